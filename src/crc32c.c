/*
 * crc32c.c - CRC-32C with the SSE4.2 instruction or slicing-by-8 tables.
 * The tables are built once, lazily; building them twice from two threads
 * writes the same values, so no lock is needed beyond the atomic flag.
 */
#include "crc32c.h"

#include <string.h>

#define POLY 0x82F63B78u	/* reflected Castagnoli polynomial */

static uint32_t table[8][256];
static int table_ready;

static void
table_build(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
	__atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t
crc32c_sw(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t w;

	if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
		table_build();
	crc = ~crc;
	while (n >= 8) {
		memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		    table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		    table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		    table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t c = ~crc, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

static int hw_state;	/* 0 unknown, 1 yes, 2 no */

int
crc32c_hw_available(void)
{
	int s = __atomic_load_n(&hw_state, __ATOMIC_RELAXED);

	if (s == 0) {
		__builtin_cpu_init();
		s = __builtin_cpu_supports("sse4.2") ? 1 : 2;
		__atomic_store_n(&hw_state, s, __ATOMIC_RELAXED);
	}
	return s == 1;
}

uint32_t
crc32c(uint32_t crc, const void *p, size_t n)
{
	if (crc32c_hw_available())
		return crc32c_hw(crc, p, n);
	return crc32c_sw(crc, p, n);
}
#else
int
crc32c_hw_available(void)
{
	return 0;
}

uint32_t
crc32c(uint32_t crc, const void *p, size_t n)
{
	return crc32c_sw(crc, p, n);
}
#endif
