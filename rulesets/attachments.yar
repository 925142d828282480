/*
 * attachments.yar - mailsift's own YARA rules for attachments
 *
 * Each attachment and archive member (its first attachments.max_bytes) is
 * scanned with every rule of rulesets/*.yar. A matching rule is a finding
 * whose rule is the YARA rule's name and whose category is its
 * `meta: category` (default "attachment"); `meta: description` explains it.
 * The true-type checks (executables, scripts, shortcuts, macros) are not
 * YARA rules: they live in engine/attach.c and use libmagic.
 */

rule executable_in_office_or_pdf
{
    meta:
        category = "attachment"
        description = "A Windows executable embedded in an Office (OLE2, RTF) file or a PDF"
    strings:
        $dos = "This program cannot be run in DOS mode" ascii
        $dos_hex = "546869732070726f6772616d2063616e6e6f742062652072756e20696e20444f53206d6f6465" nocase
    condition:
        (uint32be(0) == 0xD0CF11E0 or uint32be(0) == 0x25504446 or uint32be(0) == 0x7B5C7274)
        and any of them
}

rule pdf_javascript_or_launch
{
    meta:
        category = "attachment"
        description = "A PDF with JavaScript or a launch action (runs code when opened)"
    strings:
        $js = /\/J(a|#61)(v|#76)(a|#61)S(c|#63)(r|#72)(i|#69)(p|#70)(t|#74)/
        $js2 = /\/JS[ \t\r\n]*[\(<]/
        $launch = /\/L(a|#61)(u|#75)(n|#6[eE])(c|#63)(h|#68)[ \t\r\n\/>]/
    condition:
        uint32be(0) == 0x25504446 and any of them
}

rule script_dropper
{
    meta:
        category = "attachment"
        description = "A script that downloads and runs a program (a dropper)"
    strings:
        $dl1 = "DownloadString" nocase
        $dl2 = "DownloadFile" nocase
        $dl3 = "Invoke-WebRequest" nocase
        $dl4 = "MSXML2.XMLHTTP" nocase
        $dl5 = "WinHttp.WinHttpRequest" nocase
        $dl6 = /certutil(\.exe)? +-urlcache/ nocase
        $dl7 = /bitsadmin(\.exe)? +\/transfer/ nocase
        $dl8 = /(curl|wget) [^\n]*https?:\/\/[^\n]*\| *(ba|z|da)?sh/
        $ex1 = "WScript.Shell" nocase
        $ex2 = "Shell.Application" nocase
        $ex3 = /\bIEX\b|Invoke-Expression/ nocase
        $ex4 = /powershell(\.exe)? [^\n]*-(e|en|enc|encodedcommand) /i
        $ex5 = "ADODB.Stream" nocase
        $ex6 = /start(-process)? [^\n]*\.exe/ nocase
    condition:
        filesize < 2MB and any of ($dl*) and any of ($ex*)
}

rule html_smuggling
{
    meta:
        category = "attachment"
        description = "HTML that assembles a file in the browser and saves it (HTML smuggling)"
    strings:
        $html = /<(html|script)/ nocase
        $save = "msSaveOrOpenBlob" ascii
        $blob = /new\s+Blob\s*\(/ ascii
        $url = "createObjectURL" ascii
        $dl = /\.download\s*=|download=/ ascii
        $b64 = "atob(" ascii
    condition:
        $html and ($save or ($blob and $url and ($dl or $b64)))
}
