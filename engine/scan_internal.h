/*
 * scan_internal.h - hooks into a scan for the benchmark harness and tests
 */
#ifndef MS_SCAN_INTERNAL_H
#define MS_SCAN_INTERNAL_H

#include <mailsift/mailsift.h>

#include <stdbool.h>

/* With matching off, a scan decodes every part to text as usual but does
 * not run Hyperscan: the benchmark's "MIME decoding alone" stage. */
void ms_scan_set_matching(ms_scan *s, bool on);

#endif
