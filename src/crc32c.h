/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of every journal header and
 * record.  Uses the SSE4.2 crc32 instruction when the CPU has it (checked
 * once, at first use), slicing-by-8 tables otherwise.  Both give the same
 * value: crc32c("123456789") == 0xE3069283.
 */
#ifndef JK_CRC32C_H
#define JK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 for a fresh start) over n bytes. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);
/* The portable version, for tests that compare the two. */
uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n);
/* Whether crc32c() uses the CPU instruction. */
int crc32c_hw_available(void);

#endif
