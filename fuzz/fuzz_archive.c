/*
 * fuzz_archive.c - libFuzzer harness for the attachment layer's archive path
 * (engine/attach.c, archive.c, office.c, pdf.c, yara_rules.c)
 *
 * The input is one attachment's decoded bytes: typed, YARA-scanned and
 * opened as whatever it is (zip, tar, gzip, 7z, rar, Office package, PDF)
 * with the shipped rules and small limits, so bombs and deep nesting are
 * reached quickly. The engine and one scan are built once; the scan is
 * reset after every input (which fuzzes ms_scan_reset()). Checks: no crash,
 * no leak, no hang (the time limit), and the result names a known verdict.
 */
#include "attach.h"
#include "mime.h"

#include <mailsift/mailsift.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ms_engine *eng;
static ms_scan *scan;
static ms_attach *att;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char cfg[] = "attachments:\n  max_bytes: 1048576\n  archive_members: 200\n"
                              "  archive_bytes: 4194304\n  archive_depth: 4\n  time_ms: 2000\n";
    char path[] = "/tmp/mailsift-fuzz-archive-XXXXXX";
    int fd = mkstemp(path);
    ms_error err;

    (void)argc, (void)argv;
    if (fd < 0 || write(fd, cfg, sizeof cfg - 1) != (ssize_t)(sizeof cfg - 1))
        abort();
    close(fd);
    ms_engine_opts o = {.rules_dir = MS_SOURCE_DIR "/rulesets", .config_path = path};
    if (ms_engine_create(&o, &eng, &err) != MS_OK || ms_scan_create(eng, &scan, &err) != MS_OK)
        abort();
    unlink(path);
    if (!(att = ms_attach_create(eng, scan)))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_mime_entity ent;
    const ms_result *r;

    memset(&ent, 0, sizeof ent);
    snprintf(ent.id, sizeof ent.id, "2");
    snprintf(ent.type, sizeof ent.type, "application/octet-stream");
    snprintf(ent.filename, sizeof ent.filename, "fuzz.bin");
    ent.attachment = true;
    ms_attach_begin(att, &ent, false);
    ms_attach_feed(att, data, size);
    ms_attach_end(att);
    ms_scan_finish(scan, &r);
    if (r->verdict > MS_ACTION_REJECT)
        abort();
    ms_scan_reset(scan);
    ms_attach_reset(att);
    return 0;
}
