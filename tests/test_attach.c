/*
 * test_attach.c - the attachment layer (engine/attach.c, archive.c,
 * office.c, pdf.c, yara_rules.c): true types, YARA, archives, documents,
 * encryption, and every limit at the limit and one past it.
 *
 * Fixtures are built at test time by tests/gen_attach_fixtures.py into
 * the build tree; the rules are the shipped rulesets plus a test category
 * `marker` (a CONFIDENTIAL banner line, a sensitivity label property), so
 * the document paths are checked without depending on the shipped
 * classification rules.
 */
#include "attach.h"
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <magic.h>

#define FIXTURES MS_BINARY_DIR "/attach-fixtures"
#define RULES    MS_BINARY_DIR "/attach-rules"

static const char marker_yaml[] = "categories:\n"
                                  "  - name: marker\n"
                                  "    description: Test classification markers\n"
                                  "    action: reject\n"
                                  "rules:\n"
                                  "  - id: marker.banner\n"
                                  "    category: marker\n"
                                  "    description: A CONFIDENTIAL banner line\n"
                                  "    pattern: '^CONFIDENTIAL$'\n"
                                  "    flags: [multiline]\n"
                                  "  - id: marker.label\n"
                                  "    category: marker\n"
                                  "    description: A sensitivity label named Confidential\n"
                                  "    pattern: 'MSIP_Label_[0-9a-f\\-]+_Name: Confidential'\n";

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (system("python3 " MS_SOURCE_DIR "/tests/gen_attach_fixtures.py " FIXTURES) != 0)
        return -1;
    /* the shipped rulesets, with the word lists they read */
    if (system("rm -rf " RULES " && mkdir -p " RULES " && cp -R " MS_SOURCE_DIR "/rulesets/. " RULES
               "/") != 0)
        return -1;
    write_file(RULES "/zz-marker.yaml", marker_yaml, strlen(marker_yaml));
    return 0;
}

typedef struct got {
    char cat[32][32], rule[32][64], part[32][64];
    size_t n;
    uint32_t anomalies;
    ms_action verdict;
} got;

/* The clock of the attachment time limit in every scan of these tests:
 * it stands still (step 0) unless a test makes it step, so no limit is cut
 * short by a slow machine and the time limit fires after a set number of
 * readings of the clock, not of seconds. */
static struct test_clock {
    uint64_t now, step;
} clk;

static uint64_t read_clock(void *ctx)
{
    struct test_clock *c = ctx;
    c->now += c->step;
    return c->now;
}

/* Scan fixture NAME with an engine built from the rules in o and config
 * text (NULL: defaults). */
static void scan_fixture_with(ms_engine_opts o, const char *config, const char *name, got *g)
{
    char cfg[] = MS_BINARY_DIR "/attach-config.yaml", path[512];
    ms_engine *eng;
    ms_scan *s;
    ms_error err;
    const ms_result *r;
    size_t len;

    if (config) {
        write_file(cfg, config, strlen(config));
        o.config_path = cfg;
    }
    int rc = ms_engine_create(&o, &eng, &err);
    if (rc != MS_OK)
        fail_msg("engine: %s:%u: %s", err.file, err.line, err.msg);
    ms_attach_set_clock(eng, read_clock, &clk);
    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    snprintf(path, sizeof path, FIXTURES "/%s.eml", name);
    char *msg = ms_test_read_file(path, &len);
    assert_non_null(msg);
    assert_int_equal(ms_scan_feed(s, msg, len), MS_OK);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < r->nfindings && g->n < 32; i++, g->n++) {
        snprintf(g->cat[g->n], sizeof g->cat[0], "%s", r->findings[i].category);
        snprintf(g->rule[g->n], sizeof g->rule[0], "%s", r->findings[i].rule);
        snprintf(g->part[g->n], sizeof g->part[0], "%s", r->findings[i].part);
    }
    g->anomalies = r->anomalies;
    g->verdict = r->verdict;
    free(msg);
    ms_scan_destroy(s);
    ms_engine_destroy(eng);
}

/* Scan fixture NAME with the shipped rules and config text (NULL: defaults). */
static void scan_fixture(const char *config, const char *name, got *g)
{
    /* compiled databases cached: the same rules are built for every case */
    ms_engine_opts o = {.rules_dir = RULES, .cache_dir = MS_BINARY_DIR "/attach-hs-cache"};
    scan_fixture_with(o, config, name, g);
}

static bool has(const got *g, const char *cat, const char *rule, const char *part)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->cat[i], cat) == 0 && (!rule || strcmp(g->rule[i], rule) == 0) &&
            (!part || strcmp(g->part[i], part) == 0))
            return true;
    return false;
}

static const struct found_case {
    const char *name, *fixture, *category, *rule, *part;
} found_cases[] = {
    {"PE behind a .pdf name is an executable", "pe_renamed", "attachment", "attachment.executable",
     "2"},
    {"PE behind a .pdf name is disguised", "pe_renamed", "attachment",
     "attachment.disguised_executable", "2"},
    {"PE named .exe", "pe_exe", "attachment", "attachment.executable", "2"},
    {"ELF by content", "elf", "attachment", "attachment.executable", "2"},
    {"VBScript by its name on text", "script_vbs", "attachment", "attachment.script", "2"},
    {"shell script by content", "script_sh", "attachment", "attachment.script", "2"},
    {"shell script named .txt, by content", "script_sh_txt", "attachment", "attachment.script",
     "2"},
    {"batch file named .txt, by content", "script_bat_txt", "attachment", "attachment.script", "2"},
    {"PowerShell by its name", "script_ps1", "attachment", "attachment.script", "2"},
    {"executable uuencoded into a text attachment", "uu_pe", "attachment", "attachment.executable",
     "2/setup.exe"},
    {"card in a base64 message/rfc822", "msg_b64", "pci", "pci.pan", "2.1"},
    {"card in the HTML of an .eml sent as a file", "eml_octet", "pci", "pci.pan", "2.2"},
    {"executable attached to an .eml sent as a file", "eml_octet", "attachment",
     "attachment.executable", "2.3"},
    {"messages nested past the depth limit", "msg_deep", "attachment", "limit.archive_depth", NULL},
    {"PowerShell dropper (YARA)", "script_ps1", "attachment", "script_dropper", "2"},
    {"docx with vbaProject.bin", "macro_docx", "attachment", "attachment.macro", "2"},
    {"OLE2 with a VBA storage", "macro_ole", "attachment", "attachment.macro", "2"},
    {"zip holding an .exe", "zip_exe", "attachment", "attachment.executable", "2/setup.exe"},
    {"card number in a docx", "docx_pan", "pci", "pci.pan", "2"},
    {"card number in an xlsx", "xlsx_pan", "pci", "pci.pan", "2"},
    {"card number in an odt", "odt_pan", "pci", "pci.pan", "2"},
    {"card number in a pdf", "pdf_pan", "pci", "pci.pan", "2"},
    {"card number in a gzip", "gz_csv", "pci", "pci.pan", "2/cards.csv"},
    {"card number in a tar", "tar_csv", "pci", "pci.pan", "2/cards.csv"},
    {"card number in a nested zip", "nested_zip", "pci", "pci.pan",
     "2/mid.zip/inner.zip/inner.csv"},
    {"CONFIDENTIAL banner in a docx", "docx_conf", "marker", "marker.banner", "2"},
    {"CONFIDENTIAL banner in an xlsx", "xlsx_conf", "marker", "marker.banner", "2"},
    {"CONFIDENTIAL banner in an odt", "odt_conf", "marker", "marker.banner", "2"},
    {"CONFIDENTIAL banner in a pdf", "pdf_conf", "marker", "marker.banner", "2"},
    {"sensitivity label in docProps", "msip_docx", "marker", "marker.label", "2/docProps"},
    {"encrypted zip", "enc_zip", "encrypted", "encrypted", "2"},
    {"encrypted pdf", "enc_pdf", "encrypted", "encrypted", "2"},
    {"encrypted OOXML", "enc_office", "encrypted", "encrypted", "2"},
    {"zip bomb", "bomb", "attachment", "limit.archive_ratio", "2"},
    {"100,000 members", "many_members", "attachment", "limit.archive_members", "2"},
    {"HTML smuggling (YARA)", "html_smuggling", "attachment", "html_smuggling", "2"},
    {"PDF with JavaScript (YARA)", "pdf_js", "attachment", "pdf_javascript_or_launch", "2"},
    {"card in the body of an Outlook .msg", "msg_body_pan", "pci", "pci.pan", NULL},
};

static void test_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof found_cases / sizeof found_cases[0]; i++) {
        const struct found_case *c = &found_cases[i];
        got g;
        scan_fixture(NULL, c->fixture, &g);
        if (!has(&g, c->category, c->rule, c->part))
            fail_msg("%s: no %s/%s in part %s (%zu findings)", c->name, c->category, c->rule,
                     c->part, g.n);
    }
}

/* Containers of mail clients and Windows (issue 16): each holding an
 * executable and each holding a card number in a text file, under its own
 * name and disguised as notes.txt (tests/gen_attach_fixtures.py CONTAINERS). */
static const char *const containers[] = {
    "tnef",      "msg",           "rtf",          "rtf_linebreak", "doc_package", "pdf_embedded",
    "cpio_newc", "cpio_odc",      "cpio_bin",     "lzh",           "arj",         "szdd",
    "binhex",    "zip_deflate64", "html_datauri", "mbox",
};

static void test_containers(void **state)
{
    static const struct {
        const char *suffix, *category, *rule;
    } kinds[] = {{"_exe", "attachment", "attachment.executable"},
                 {"_exe_txt", "attachment", "attachment.executable"},
                 {"_pan", "pci", "pci.pan"},
                 {"_pan_txt", "pci", "pci.pan"}};
    unsigned failed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            char name[64];
            got g;
            snprintf(name, sizeof name, "%s%s", containers[i], kinds[k].suffix);
            scan_fixture(NULL, name, &g);
            if (has(&g, kinds[k].category, kinds[k].rule, NULL) && g.verdict != MS_ACTION_ACCEPT)
                continue;
            print_error("%s: no %s/%s (%zu findings)\n", name, kinds[k].category, kinds[k].rule,
                        g.n);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Content past what was read is a finding, or it is read in full. */
static const struct unread_case {
    const char *name, *config, *fixture, *category, *rule, *part;
} unread_cases[] = {
    {"docx body over max_bytes", "attachments:\n  max_bytes: 100000\n", "docx_big_body",
     "attachment", "limit.max_bytes", "2/word/document.xml"},
    {"docx body within max_bytes: the card at its end", NULL, "docx_big_body", "pci", "pci.pan",
     "2"},
    {"label after 100 KB of properties", NULL, "docx_big_props", "marker", "marker.label",
     "2/docProps"},
    {"properties over max_bytes", "attachments:\n  max_bytes: 50000\n", "docx_big_props",
     "attachment", "limit.max_bytes", NULL},
    {"zip member with deflate data damaged half way", NULL, "zip_damaged", "unscannable_attachment",
     "attachment.unscannable", "2/notes.txt"},
    /* poppler drops glyphs that start off the page */
    {"pdf text at x=1e5", NULL, "pdf_off_x", "unscannable_attachment", "attachment.unscannable",
     "2"},
    {"pdf text at x=-1e9", NULL, "pdf_off_negx", "unscannable_attachment", "attachment.unscannable",
     "2"},
    {"pdf text at y=-500", NULL, "pdf_off_y", "unscannable_attachment", "attachment.unscannable",
     "2"},
    {"pdf text matrix of 1e6", NULL, "pdf_off_tm", "unscannable_attachment",
     "attachment.unscannable", "2"},
    {"pdf text moved off by TJ", NULL, "pdf_off_kern", "unscannable_attachment",
     "attachment.unscannable", "2"},
    {"pdf text moved off by cm in a form", NULL, "pdf_off_form", "unscannable_attachment",
     "attachment.unscannable", "2"},
    {"ARJ cut short: recognised, not read", NULL, "arj_damaged", "unscannable_attachment",
     "attachment.unscannable", "2"},
};

static void test_unread(void **state)
{
    unsigned failed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof unread_cases / sizeof unread_cases[0]; i++) {
        const struct unread_case *c = &unread_cases[i];
        got g;
        scan_fixture(c->config, c->fixture, &g);
        if (has(&g, c->category, c->rule, c->part))
            continue;
        print_error("%s: no %s/%s in part %s (%zu findings%s%s)\n", c->name, c->category, c->rule,
                    c->part ? c->part : "any", g.n, g.n ? ", first " : "", g.n ? g.rule[0] : "");
        failed++;
    }
    assert_int_equal(failed, 0);
}

/* A card number drawn off the page, which poppler does not read: the
 * message is not let through. */
static void test_pdf_offpage(void **state)
{
    static const char *const off[] = {"pdf_off_x",  "pdf_off_negx", "pdf_off_y",
                                      "pdf_off_tm", "pdf_off_kern", "pdf_off_form"};
    (void)state;
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        got g;
        scan_fixture(NULL, off[i], &g);
        if (g.verdict == MS_ACTION_ACCEPT)
            fail_msg("%s: accepted", off[i]);
    }
}

/* Types named by signature are libmagic's own names for them; near misses
 * go to libmagic. */
static void test_signature_types(void **state)
{
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02"
                                       "\0\0\0\x90\x77\x53\xde";
    static const unsigned char jfif[] = "\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
    static const unsigned char exif[] = "\xff\xd8\xff\xe1\x12\x34"
                                        "Exif\0\0MM\0*\0\0\0\x08\0\0";
    static const unsigned char gif[] = "GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!";
    static const unsigned char gif87[] = "GIF87a\x10\0\x10\0\xf0\0\0\0\0\0\xff\xff\xff,";
    static const unsigned char pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n";
    static const unsigned char tnef[] =
        "\x78\x9f\x3e\x22\x01\0\x01\x06\x90\x08\0\x04\0\0\0\0\0\x01\0";
    static const unsigned char szdd[] = "SZDD\x88\xf0\x27\x33\x41\0\0\x04\0\0\xff\x4d\x5a\0\0";
    unsigned char pe[1024] = {0}, dos[256] = {0}, png_bad[32];
    const struct {
        const char *name;
        const unsigned char *p;
        size_t n;
    } same[] = {{"PNG", png, sizeof png - 1},
                {"JPEG (JFIF)", jfif, sizeof jfif - 1},
                {"JPEG (Exif)", exif, sizeof exif - 1},
                {"GIF89a", gif, sizeof gif - 1},
                {"GIF87a", gif87, sizeof gif87 - 1},
                {"PDF", pdf, sizeof pdf - 1},
                {"TNEF", tnef, sizeof tnef - 1},
                {"SZDD", szdd, sizeof szdd - 1},
                {"PE", pe, sizeof pe}};
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    (void)state;
    assert_non_null(m);
    assert_int_equal(magic_load(m, NULL), 0);
    /* a PE32 console program's headers: MZ, e_lfanew 0x80, PE\0\0, i386 */
    memcpy(pe, "MZ", 2);
    pe[0x3C] = 0x80;
    memcpy(pe + 0x80, "PE\0\0\x4c\x01\x01\0", 8);
    pe[0x94] = 0xE0;
    pe[0x96] = 0x02;
    pe[0x97] = 0x01;
    pe[0x98] = 0x0B;
    pe[0x99] = 0x01;
    pe[0x98 + 68] = 3;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const char *ours = ms_attach_signature_type(same[i].p, same[i].n);
        const char *theirs = magic_buffer(m, same[i].p, same[i].n);
        if (!ours || !theirs || strcmp(ours, theirs) != 0)
            fail_msg("%s: signature says %s, libmagic %s", same[i].name, ours ? ours : "(none)",
                     theirs ? theirs : "(none)");
    }
    /* near misses: a DOS program with no PE header, a PNG signature without
     * its IHDR chunk, a JPEG start too short to tell */
    memcpy(dos, "MZ", 2);
    dos[0x3C] = 0x80;
    memcpy(png_bad, png, 8);
    memset(png_bad + 8, 'x', sizeof png_bad - 8);
    assert_null(ms_attach_signature_type(dos, sizeof dos));
    assert_null(ms_attach_signature_type(png_bad, sizeof png_bad));
    assert_null(ms_attach_signature_type(jfif, 3));
    magic_close(m);
}

static void test_encrypted_anomaly(void **state)
{
    static const char *const enc[] = {"enc_zip", "enc_pdf", "enc_office"};
    got g;
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        scan_fixture(NULL, enc[i], &g);
        assert_true(g.anomalies & MS_ANOM_ENCRYPTED);
    }
    scan_fixture(NULL, "benign_zip", &g);
    assert_false(g.anomalies & MS_ANOM_ENCRYPTED);
}

static void test_benign(void **state)
{
    static const char *const benign[] = {
        "benign_pdf",      "benign_png",         "benign_jpeg",
        "benign_docx",     "benign_zip",         "blob_1000",
        "five_members",    "pdf_two_pages",      "one_kib",
        "text_txt",        "pdf_edge",           "pdf_rotated",
        "pdf_a0",          "pdf_form_on_page",   "benign_tnef",
        "benign_html_img", "benign_note_fields", "benign_rfc822_headers"};
    (void)state;
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
        got g;
        scan_fixture(NULL, benign[i], &g);
        if (g.n || g.verdict != MS_ACTION_ACCEPT)
            fail_msg("%s: %zu findings, first %s/%s", benign[i], g.n, g.n ? g.cat[0] : "",
                     g.n ? g.rule[0] : "");
    }
}

static uint64_t fixture_size(const char *name)
{
    char path[] = FIXTURES "/sizes.txt", n[64];
    unsigned long long v;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fscanf(f, "%63s %llu", n, &v) == 2)
        if (strcmp(n, name) == 0) {
            fclose(f);
            return v;
        }
    fclose(f);
    fail_msg("no size for %s", name);
    return 0;
}

/* Each limit: at the limit nothing, one past it the finding. */
static void limit_case(const char *key, unsigned long long at, const char *fixture,
                       const char *rule)
{
    char cfg[256];
    got g;

    snprintf(cfg, sizeof cfg, "attachments:\n  %s: %llu\n", key, at);
    scan_fixture(cfg, fixture, &g);
    if (has(&g, "attachment", rule, NULL))
        fail_msg("%s: %llu: %s at the limit", key, at, rule);
    snprintf(cfg, sizeof cfg, "attachments:\n  %s: %llu\n", key, at - 1);
    scan_fixture(cfg, fixture, &g);
    if (!has(&g, "attachment", rule, NULL))
        fail_msg("%s: %llu: no %s one past the limit", key, at - 1, rule);
}

static void test_limits(void **state)
{
    (void)state;
    limit_case("max_bytes", 1000, "blob_1000", "limit.max_bytes");
    limit_case("archive_members", 5, "five_members", "limit.archive_members");
    limit_case("archive_depth", 3, "nested_zip", "limit.archive_depth");
    limit_case("archive_bytes", 1000, "one_kib", "limit.archive_bytes");
    limit_case("pdf_pages", 2, "pdf_two_pages", "limit.pdf_pages");
    /* the bomb expands to 20 MiB: at the ratio of its size, then one less */
    uint64_t out = 20u * 1024 * 1024, sent = fixture_size("bomb");
    limit_case("archive_ratio", (out + sent - 1) / sent, "bomb", "limit.archive_ratio");
    limit_case("archive_members", 100000, "many_members", "limit.archive_members");
}

static void test_time_limit(void **state)
{
    got g;
    (void)state;
    /* 1 ms a reading of the clock: reading a PDF takes more than 2 */
    clk.step = 1000000;
    scan_fixture("attachments:\n  time_ms: 1\n", "benign_pdf", &g);
    assert_true(has(&g, "attachment", "limit.time", "2"));
    scan_fixture("attachments:\n  time_ms: 0\n", "benign_pdf", &g);
    assert_true(has(&g, "attachment", "limit.time", "2"));
    scan_fixture("attachments:\n  time_ms: 1000\n", "benign_pdf", &g);
    assert_false(has(&g, "attachment", "limit.time", NULL));
    /* form XObjects 6 deep, each drawn 10 times (a million lines on one
     * page: half an hour for poppler): stopped part way through the page
     * when the budget is spent, 20 readings of the clock at 100 ms */
    clk.step = 100000000;
    scan_fixture("attachments:\n  time_ms: 2000\n", "pdf_xobject_bomb", &g);
    assert_true(has(&g, "attachment", "limit.time", "2")); /* (ctest's timeout catches a hang) */
    /* a clock that stands still: the time limit never cuts another short,
     * however slow the machine */
    clk.step = 0;
    scan_fixture("attachments:\n  time_ms: 1\n  archive_members: 99999\n", "many_members", &g);
    assert_true(has(&g, "attachment", "limit.archive_members", "2"));
    assert_false(has(&g, "attachment", "limit.time", NULL));
    scan_fixture(NULL, "benign_pdf", &g);
    assert_false(has(&g, "attachment", "limit.time", NULL));
}

static void test_config_errors(void **state)
{
    static const char *const bad[] = {
        "attachments:\n  max_bytes: 0\n",
        "attachments:\n  archive_depth: 99\n",
        "attachments:\n  zip_bombs: 1\n",
        "attachments:\n  dangerous_types: application/x-dosexec\n",
    };
    ms_engine_opts o = {.rules_dir = RULES, .config_path = MS_BINARY_DIR "/attach-bad.yaml"};
    ms_engine *eng;
    ms_error err;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(o.config_path, bad[i], strlen(bad[i]));
        assert_int_equal(ms_engine_create(&o, &eng, &err), MS_ERR_CONFIG);
        assert_int_equal(err.line, 2);
    }
}

static void test_site_lists(void **state)
{
    got g;
    (void)state;
    /* a site list replaces the built-in one */
    scan_fixture("attachments:\n  dangerous_types: [image/png]\n", "benign_png", &g);
    assert_true(has(&g, "attachment", "attachment.dangerous_type", "2"));
    scan_fixture("attachments:\n  dangerous_types: [image/png]\n", "elf", &g);
    assert_false(has(&g, "attachment", "attachment.executable", NULL));
    scan_fixture("attachments:\n  script_extensions: [sh]\n", "script_vbs", &g);
    assert_false(has(&g, "attachment", "attachment.script", NULL));
}

static void test_yara_errors(void **state)
{
    char dir[] = MS_BINARY_DIR "/attach-badyara";
    ms_engine_opts o = {.rules_dir = dir};
    ms_engine *eng;
    ms_error err;
    (void)state;
    assert_int_equal(system("rm -rf " MS_BINARY_DIR "/attach-badyara && mkdir -p " MS_BINARY_DIR
                            "/attach-badyara && cp -R " MS_SOURCE_DIR
                            "/rulesets/*.yaml " MS_SOURCE_DIR "/rulesets/words " MS_BINARY_DIR
                            "/attach-badyara/"),
                     0);
    write_file(MS_BINARY_DIR "/attach-badyara/x.yar", "rule a {\n condition:\n  nothing\n}\n", 34);
    assert_int_equal(ms_engine_create(&o, &eng, &err), MS_ERR_RULES);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.file, "x.yar"));
    const char *cat = "rule b {\n meta:\n  category = \"nope\"\n condition:\n  true\n}\n";
    write_file(MS_BINARY_DIR "/attach-badyara/x.yar", cat, strlen(cat));
    assert_int_equal(ms_engine_create(&o, &eng, &err), MS_ERR_RULES);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.msg, "nope"));
}

/* The YARA rules' compiled form is cached by a hash of the .yar files:
 * unchanged files load it and it matches as compiled rules do, a changed
 * file compiles anew, a damaged cache file is not trusted, and a file
 * that names `include` is compiled every time. */
static void test_yara_cache(void **state)
{
    ms_engine_opts o = {.rules_dir = MS_BINARY_DIR "/attach-yaracache",
                        .cache_dir = MS_BINARY_DIR "/attach-yaracache/cache"};
    ms_engine *eng;
    ms_engine_info info;
    ms_error err;
    got g;
    (void)state;
    assert_int_equal(system("rm -rf " MS_BINARY_DIR "/attach-yaracache && mkdir -p " MS_BINARY_DIR
                            "/attach-yaracache && cp -R " MS_SOURCE_DIR "/rulesets/. " MS_BINARY_DIR
                            "/attach-yaracache/"),
                     0);
    /* the text rules' databases, as the other tests compiled them: this
     * test is about YARA's (they are compiled if missing) */
    assert_int_equal(system("mkdir -p " MS_BINARY_DIR "/attach-yaracache/cache && cp " MS_BINARY_DIR
                            "/attach-hs-cache/hs-* " MS_BINARY_DIR
                            "/attach-yaracache/cache/ 2>/dev/null; true"),
                     0);
    bool want[] = {false, true};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ms_engine_create(&o, &eng, &err), MS_OK);
        ms_engine_get_info(eng, &info);
        assert_int_equal(info.yara_from_cache, want[i]);
        assert_int_equal(info.yara_rules, 4);
        ms_engine_destroy(eng);
        scan_fixture_with(o, NULL, "script_ps1", &g);
        assert_true(has(&g, "attachment", "script_dropper", "2"));
    }

    static const char extra[] = "\nrule extra_marker {\n meta:\n  category = \"attachment\"\n"
                                " strings:\n  $a = \"zq-extra-marker\"\n condition:\n  $a\n}\n";
    assert_int_equal(system("cp " MS_SOURCE_DIR "/rulesets/attachments.yar " MS_BINARY_DIR
                            "/attach-yaracache/x.yar"),
                     0);
    FILE *f = fopen(MS_BINARY_DIR "/attach-yaracache/x.yar", "w");
    assert_non_null(f);
    fputs(extra, f);
    fclose(f);
    assert_int_equal(ms_engine_create(&o, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.yara_from_cache); /* another file: a new key */
    assert_int_equal(info.yara_rules, 5);
    ms_engine_destroy(eng);

    assert_int_equal(system("for f in " MS_BINARY_DIR "/attach-yaracache/cache/yara-*.bin; do "
                            "printf junk > \"$f\"; done"),
                     0);
    assert_int_equal(ms_engine_create(&o, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.yara_from_cache); /* damaged: compiled instead */
    assert_int_equal(info.yara_rules, 5);
    ms_engine_destroy(eng);

    f = fopen(MS_BINARY_DIR "/attach-yaracache/x.yar", "a");
    assert_non_null(f);
    fputs("// a file that may include others is not cached\n", f);
    fclose(f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ms_engine_create(&o, &eng, &err), MS_OK);
        ms_engine_get_info(eng, &info);
        assert_false(info.yara_from_cache);
        ms_engine_destroy(eng);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found),           cmocka_unit_test(test_containers),
        cmocka_unit_test(test_unread),          cmocka_unit_test(test_pdf_offpage),
        cmocka_unit_test(test_signature_types), cmocka_unit_test(test_encrypted_anomaly),
        cmocka_unit_test(test_benign),          cmocka_unit_test(test_limits),
        cmocka_unit_test(test_time_limit),      cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_site_lists),      cmocka_unit_test(test_yara_errors),
        cmocka_unit_test(test_yara_cache),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
