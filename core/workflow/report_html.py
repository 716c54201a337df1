"""The letter as an HTML document a person reads: standard library only (``string.Template`` for
the page, ``html.escape`` on every value), no scripts, one inline style sheet, printable.

A template engine would add a dependency for one page with no loops the code cannot write plainly;
escaping every value at the one place it is inserted is what keeps the page safe.

A published version's page is frozen when it is published; the list of versions, which grows
later, is put in at the marker ``VERSIONS_MARKER`` when the page is served (``with_versions``).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from string import Template

from core.workflow.letter import Letter, LetterFinding, Section, SectionKey

KIND_LABELS = {
    "strength": "Strength",
    "area_for_improvement": "Area for improvement",
    "priority_action": "Area for priority action",
}

PAGE = Template(
    """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: Arial, Helvetica, sans-serif; line-height: 1.5; max-width: 46em;
  margin: 2em auto; padding: 0 1em; color: #0b0c0c; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { font-size: 1.35em; margin-top: 1.8em; border-bottom: 1px solid #b1b4b6; }
h3 { font-size: 1.1em; margin-bottom: 0.3em; }
.meta, .cites { color: #505a5f; font-size: 0.9em; }
.banner { border: 3px solid #d4351c; padding: 0.5em 1em; font-weight: bold; }
.kind { text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.05em; color: #505a5f; }
.draft { color: #d4351c; }
@media print { .banner { border-width: 2px; } }
</style>
</head>
<body>
<article>
<header>
<h1>$title</h1>
<p class="meta">$meta</p>
$banner
<!--jtai:versions-->
</header>
$sections
<footer>
<h2>From the inspectorates</h2>
<p>This letter is from $signatories, who inspected together.</p>
</footer>
</article>
</body>
</html>
"""
)


def _paragraphs(texts: tuple[str, ...]) -> str:
    return "\n".join(f"<p>{escape(t)}</p>" for t in texts)


def _draft_mark(finding: LetterFinding) -> str:
    return ' <span class="draft">(draft, not yet agreed and published)</span>' * (
        finding.status == "draft"
    )


def _cites(finding: LetterFinding) -> str:
    parts = []
    if finding.criteria:
        parts.append("Criteria: " + ", ".join(finding.criteria))
    if finding.agencies:
        parts.append("Agencies: " + ", ".join(finding.agencies))
    return f'<p class="cites">{escape(" · ".join(parts))}</p>' if parts else ""


def _list(findings: tuple[LetterFinding, ...]) -> str:
    items = "\n".join(f"<li>{escape(f.title)}{_draft_mark(f)}</li>" for f in findings)
    return f"<ul>\n{items}\n</ul>"


def _section(section: Section) -> str:
    key = section.key
    body: list[str] = []
    if section.paragraphs:
        body.append(_paragraphs(section.paragraphs))
    if key is SectionKey.HEADLINE_FINDINGS:
        body += [_headline(f) for f in section.findings]
    elif key in (SectionKey.WHAT_NEEDS_TO_IMPROVE, SectionKey.STRENGTHS) and section.findings:
        body.append(_list(section.findings))
    elif key is SectionKey.MAIN_FINDINGS:
        body += [_main(f) for f in section.findings]
    if not body:
        body.append('<p class="meta">Nothing yet.</p>')
    content = "\n".join(body)
    heading = escape(section.heading)
    return f'<section id="{escape(key.value)}">\n<h2>{heading}</h2>\n{content}\n</section>'


def _text(finding: LetterFinding) -> tuple[str, ...]:
    return tuple(p.strip() for p in finding.text.split("\n\n") if p.strip())


def _headline(finding: LetterFinding) -> str:
    return f"<h3>{escape(finding.title)}{_draft_mark(finding)}</h3>\n{_paragraphs(_text(finding))}"


def _main(finding: LetterFinding) -> str:
    label = KIND_LABELS.get(finding.kind, finding.kind)
    return (
        f'<h3><span class="kind">{escape(label)}</span><br>{escape(finding.title)}'
        f"{_draft_mark(finding)}</h3>\n{_paragraphs(_text(finding))}\n{_cites(finding)}"
    )


def render(letter: Letter) -> str:
    """The whole letter as one HTML page; every value escaped."""
    title = f"Joint targeted area inspection of {letter.area_name}"
    if letter.published_at is not None:
        status = f"Published {_day(letter.published_at)}"
        banner = ""
    else:
        status = "Draft"
        banner = (
            '<p class="banner">DRAFT: not published. Findings marked draft are not yet agreed '
            "by every inspectorate.</p>"
        )
    if letter.version is not None:
        status = f"Version {letter.version} · {status}"
    meta = f"{letter.reference} · {letter.framework_title} · {status}"
    return PAGE.substitute(
        title=escape(title),
        meta=escape(meta),
        banner=banner,
        sections="\n".join(_section(s) for s in letter.sections),
        signatories=escape(_join(letter.signatories)),
    )


def _join(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


VERSIONS_MARKER = "<!--jtai:versions-->"


def with_versions(page: str, letter: Letter) -> str:
    """The page as served: the list of every published version (links relative to the page), and
    a banner on a version that is not the latest."""
    if len(letter.versions) < 2:
        return page.replace(VERSIONS_MARKER, "", 1)
    latest = letter.versions[-1]
    items = []
    for version in letter.versions:
        label = f"Version {version.number}, published {_day(version.published_at)}"
        if version.number == letter.version:
            items.append(f"<li>{escape(label)} (this page)</li>")
        else:
            items.append(f'<li><a href="?version={version.number}">{escape(label)}</a></li>')
    notice = ""
    if not letter.is_latest:
        notice = (
            f'<p class="banner">This is version {letter.version}. It was replaced by version '
            f"{latest.number}, published {escape(_day(latest.published_at))}.</p>\n"
        )
    block = f'{notice}<nav class="meta">Versions of this letter:\n<ul>\n' + "\n".join(items)
    return page.replace(VERSIONS_MARKER, block + "\n</ul>\n</nav>", 1)


def _day(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"
