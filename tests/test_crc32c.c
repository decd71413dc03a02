/* test_crc32c.c - the checksum of every journal header and record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "crc32c.h"

static void
test_crc32c_known_vector(void **state)
{
	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c_sw(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, "", 0), 0);
}

static void
test_crc32c_hw_equals_sw_at_every_length_and_split(void **state)
{
	uint8_t b[300];
	size_t n, k;

	(void)state;
	srand(7);
	for (n = 0; n < sizeof b; n++)
		b[n] = (uint8_t)rand();
	for (n = 0; n <= sizeof b; n++) {
		uint32_t whole = crc32c(0, b, n);
		assert_int_equal(whole, crc32c_sw(0, b, n));
		for (k = 0; k <= n; k += 37)
			assert_int_equal(crc32c(crc32c(0, b, k), b + k, n - k), whole);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_vector),
		cmocka_unit_test(test_crc32c_hw_equals_sw_at_every_length_and_split),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
