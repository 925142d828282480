/*
 * prose.h - deterministic English-like prose for the benchmark corpus
 *
 * A small seeded generator (splitmix64) and a sentence maker over a
 * built-in word list, shared by ms_gen_corpus (message bodies, the plain
 * text file) and ms_bench (the generated English text and the --big-part
 * message, made chunk by chunk). The same seed gives the same bytes on
 * every machine: nothing depends on the locale or the C library's rand().
 */
#ifndef MS_BENCH_PROSE_H
#define MS_BENCH_PROSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flags for prose_sentence() and friends. */
#define PROSE_ASCII 0u /* ASCII only: fit for 7bit parts */
#define PROSE_UTF8  1u /* a few accented words, curly quotes, euro signs (UTF-8) */

/* Longest unwrapped paragraph prose_paragraph() writes, with its NUL. */
#define PROSE_PARAGRAPH_MAX 4096

/* Room prose_fill() leaves unused at most: one wrapped paragraph. */
#define PROSE_FILL_SLACK (PROSE_PARAGRAPH_MAX + 512)

typedef struct prose_rng {
    uint64_t s;
} prose_rng;

/* Seed a generator; (seed, stream) pairs give independent sequences. */
void prose_seed(prose_rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
uint64_t prose_next(prose_rng *r);

/* Uniform in [0, n); n > 0. */
unsigned prose_below(prose_rng *r, unsigned n);

/* True with probability percent / 100. */
bool prose_chance(prose_rng *r, unsigned percent);

/*
 * One sentence of 5 to 22 words (capitalised, ending in . ? or !), no line
 * breaks, NUL-terminated. Writes at most cap bytes including the NUL and
 * returns the length (cut short, never overflowing, if cap is small).
 */
size_t prose_sentence(prose_rng *r, char *out, size_t cap, unsigned flags);

/* Two to six sentences separated by single spaces; same contract. */
size_t prose_paragraph(prose_rng *r, char *out, size_t cap, unsigned flags);

/*
 * Wrap n bytes of one line of text at spaces so that lines stay within
 * width bytes where a word allows it; each line ends in eol. Writes at most
 * cap bytes (no NUL) and returns the number written.
 */
size_t prose_wrap(const char *in, size_t n, char *out, size_t cap, unsigned width, const char *eol);

/*
 * Fill out with whole wrapped paragraphs (72 columns), each followed by an
 * empty line, while another one surely fits: returns the bytes written, at
 * least cap - PROSE_FILL_SLACK when cap is larger than that. No NUL.
 */
size_t prose_fill(prose_rng *r, char *out, size_t cap, unsigned flags, const char *eol);

#endif
