#!/usr/bin/python3
"""Writes the man pages from README.md, so that they cannot disagree.

usage: mkman.py README.md VERSION OUTDIR

collectd-anomaly.conf.5 gets the README's "Using it in an existing collectd",
"The `statgrab` plugin" and "The `anomaly` plugin" sections (the option table
there is itself generated from the code, see update-readme-options.sh);
collectd-anomaly.1 gets the "collectd-anomaly ..." command sections. A small
Markdown-to-troff conversion: headings, paragraphs, lists, code blocks,
tables, inline code and bold. Standard library only.
"""
import os
import re
import sys

PAGES = {
    "collectd-anomaly.conf.5": {
        "section": "5",
        "name": "collectd-anomaly.conf \\- the statgrab and anomaly collectd plugins' configuration",
        "synopsis": [
            "LoadPlugin statgrab",
            "LoadPlugin anomaly",
            "<Plugin anomaly>",
            "  WarningThreshold 0.4",
            "  StateDir \"/var/lib/collectd/anomaly\"",
            "</Plugin>",
        ],
        "sections": ["Using it in an existing collectd", "The `statgrab` plugin",
                     "The `anomaly` plugin"],
        "see_also": "collectd(1), collectd.conf(5), collectd-anomaly(1)",
    },
    "collectd-anomaly.1": {
        "section": "1",
        "name": "collectd-anomaly \\- replay history, train and inspect the anomaly plugin's models, ask whether a host is ready for a patch and whether one hurt it",
        "synopsis": [
            "collectd-anomaly replay [--set KEY=VALUE]... [--host NAME] [--state DIR] FILE.csv",
            "collectd-anomaly train (--csv DIR | --rrd DIR) [-d STATEDIR] [--host NAME]...",
            "collectd-anomaly state [-d DIR] list | show HOST | patterns HOST | rollback HOST",
            "collectd-anomaly readiness HOST [--json] [-d STATEDIR | --socket PATH] [--at TIME]",
            "collectd-anomaly change HOST WHAT [--socket PATH] [--time TIME] [--query PATH]",
            "collectd-anomaly options",
        ],
        "sections": ["`collectd-anomaly replay`", "`collectd-anomaly train`",
                     "`collectd-anomaly state`", "`collectd-anomaly readiness`",
                     "`collectd-anomaly change`"],
        "see_also": "collectd(1), collectd-anomaly.conf(5)",
    },
}


def escape(text):
    text = text.replace("\\", "\\e")
    # groff reads ASCII; other characters by their Unicode names
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    text = escape(text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    return text


def line_start(text):
    """Guards a line that troff would take for a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def sections_of(readme):
    """{title: [lines]} for each level-2 section."""
    out, title = {}, None
    for line in readme.splitlines():
        m = re.match(r"^## (.*)$", line)
        if m:
            title = m.group(1).strip()
            out[title] = []
        elif title is not None:
            out[title].append(line)
    return out


def cells(row):
    return [c.strip() for c in row.strip().strip("|").split("|")]


def convert(lines):
    out, para, i = [], [], 0

    def flush():
        if para:
            out.append(".PP")
            out.append(line_start(inline(" ".join(para))))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("<!--"):
            i += 1
            continue
        if stripped.startswith("```"):
            flush()
            indent = len(line) - len(line.lstrip())
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append(line_start(escape(lines[i][indent:])))
                i += 1
            out += [".fi", ".RE"]
            i += 1
            continue
        m = re.match(r"^### (.*)$", line)
        if m:
            flush()
            out.append(".SS " + inline(m.group(1)))
            i += 1
            continue
        if stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            header, body = rows[0], [r for r in rows[2:]]
            for r in body:
                out.append(".TP")
                out.append(line_start(inline(r[0])))
                rest = []
                for name, value in zip(header[1:], r[1:]):
                    if value:
                        rest.append(value if name in ("meaning", "what") or len(header) == 2
                                    else "%s: %s" % (name, value))
                out.append(line_start(inline("; ".join(rest))))
            continue
        m = re.match(r"^(\s*)[-*] (.*)$", line)
        if m:
            flush()
            item = [m.group(2)]
            i += 1
            while (i < len(lines) and lines[i].strip() and
                   not re.match(r"^\s*[-*] ", lines[i]) and
                   not lines[i].strip().startswith("```") and
                   lines[i].startswith("  ")):
                item.append(lines[i].strip())
                i += 1
            out.append(".IP \\(bu 2")
            out.append(line_start(inline(" ".join(item))))
            continue
        if not stripped:
            flush()
        else:
            para.append(stripped)
        i += 1
    flush()
    return out


def page(name, spec, readme_sections, version):
    out = ['.TH "%s" "%s" "" "collectd-anomaly %s" "collectd-anomaly"'
           % (name.rsplit(".", 1)[0].upper(), spec["section"], version),
           ".\\\" Generated from README.md by scripts/mkman.py: edit README.md.",
           ".SH NAME", spec["name"], ".SH SYNOPSIS", ".nf"]
    out += [line_start(escape(s)) for s in spec["synopsis"]]
    out += [".fi"]
    for title in spec["sections"]:
        if title not in readme_sections:
            sys.exit("mkman.py: README.md has no section \"## %s\"" % title)
        out.append(".SH " + inline(title).upper().replace("\\FB", "\\fB").replace("\\FR", "\\fR"))
        out += convert(readme_sections[title])
    out += [".SH SEE ALSO", spec["see_also"]]
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    readme, version, outdir = sys.argv[1:]
    sections = sections_of(open(readme, encoding="utf-8").read())
    for name, spec in PAGES.items():
        text = page(name, spec, sections, version)
        tmp = os.path.join(outdir, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, os.path.join(outdir, name))


if __name__ == "__main__":
    main()
