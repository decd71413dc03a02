/*
 * ofile.h - writing a journal file outside any instance: a file made from
 * records that come from elsewhere (a GT.M extract, src/gtmx.h), in the
 * format of jrn/format.h, so that every jrnkit tool reads it.
 *
 * The live writer (writer.c) appends under an instance's journal lock and
 * shared state; this one owns a single new file and nothing else.  The file
 * is written as PATH.tmp and renamed to PATH only by a successful
 * jrn_ofile_close (after an fsync, and an fsync of the directory), so a
 * crash or an error never leaves a half-written file under a journal name.
 *
 * Layout, as a live file: the header (previous file's id and path when
 * given, instance id 0), a JSTART record, the records appended (each
 * database named by a DBMAP record before its first update), and a JEND
 * record with next file id 0 (no next file: "journaling stopped").
 *
 * Ownership: jrn_ofile_create returns an owned handle, freed by
 * jrn_ofile_close or jrn_ofile_abort.
 */
#ifndef JK_JRN_OFILE_H
#define JK_JRN_OFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "jrn/format.h"

struct jrn_ofile;

/*
 * Create path's temporary file and write the header and JSTART (time
 * created_us).  prev_path NULL or "" for a first file.  JK_EEXIST when path
 * exists; JK_EIO with the reason otherwise.
 */
int jrn_ofile_create(const char *path, uint64_t created_us, uint64_t prev_id, const char *prev_path,
    struct jrn_ofile **out, struct jk_err *err);
/* The number of database dbpath in this file, writing its DBMAP record (at time_us) the first time. */
int jrn_ofile_dbnum(struct jrn_ofile *f, const char *dbpath, uint64_t time_us, uint32_t *num,
    struct jk_err *err);
/* Append whole encoded records (jrn_rec_begin .. jrn_rec_end). */
int jrn_ofile_append(struct jrn_ofile *f, const void *p, size_t n, struct jk_err *err);
/* Bytes written so far (the offset of the next record). */
uint64_t jrn_ofile_size(const struct jrn_ofile *f);
/* The file's id (for the next file's header). */
uint64_t jrn_ofile_id(const struct jrn_ofile *f);
/*
 * Write JEND (at time_us), sync, rename to its path, sync the directory,
 * free f.  On error the temporary file is removed; f is freed either way.
 */
int jrn_ofile_close(struct jrn_ofile *f, uint64_t time_us, struct jk_err *err);
/* Remove the temporary file and free f.  NULL is fine. */
void jrn_ofile_abort(struct jrn_ofile *f);

#endif
