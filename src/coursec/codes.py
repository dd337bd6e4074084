"""The catalogue of diagnostic codes: every problem coursec reports has one, with a title.

CS1xx source syntax, CS2xx schema, CS3xx cross-references and assets, CS4xx content,
CS5xx exporters and templates, CS6xx the output folder and the operating system, CS70x
languages and fonts, CS72x-CS73x translation (XLIFF), CS8xx the authoring tools (`coursec new`,
`coursec preview`), CS9xx internal.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """A diagnostic code: its value is the code as printed ("CS203"), `summary` is its title
    (what JSON output calls "title"; `str.title` is taken).

    A member per code, so a misspelt code is a type error, never a diagnostic nobody can look up.
    """

    summary: str

    def __new__(cls, value: str, title: str = "") -> Code:  # `Code("CS203")` looks one up
        member = str.__new__(cls, value)
        member._value_ = value
        member.summary = title
        return member

    CS101 = "CS101", "file cannot be read"
    CS102 = "CS102", "file is not UTF-8 text"
    CS103 = "CS103", "YAML syntax error"
    CS104 = "CS104", "module file has no front matter"
    CS105 = "CS105", "file is empty"
    CS106 = "CS106", "YAML document is not a mapping"
    CS107 = "CS107", "not a regular file"
    CS108 = "CS108", "YAML nests or repeats too much"
    CS109 = "CS109", "source file is too large"
    CS110 = "CS110", "number is too large"
    CS111 = "CS111", "field name holds an invisible character"
    CS201 = "CS201", "required field is missing"
    CS202 = "CS202", "unknown field"
    CS203 = "CS203", "value has the wrong type"
    CS204 = "CS204", "value is not allowed"
    CS205 = "CS205", "invalid value"
    CS206 = "CS206", "exporter option from the command line is invalid"
    CS207 = "CS207", "YAML read a value as something other than text"
    CS301 = "CS301", "duplicate id"
    CS302 = "CS302", "module file listed in course.yml does not exist"
    CS303 = "CS303", "asset does not exist"
    CS304 = "CS304", "path leaves the course folder"
    CS305 = "CS305", "link target does not exist"
    CS306 = "CS306", "unknown objective"
    CS307 = "CS307", "module file is listed twice"
    CS308 = "CS308", "loads a file from another server"
    CS309 = "CS309", "link points at a heading that does not exist"
    CS310 = "CS310", "download would run scripts in the LMS"
    CS311 = "CS311", "SVG holds active content"
    CS312 = "CS312", "SVG cannot be read"
    CS401 = "CS401", "objective is not addressed by any section"
    CS402 = "CS402", "image has no alt text"
    CS403 = "CS403", "module has no learning objectives"
    CS404 = "CS404", "raw HTML is disabled"
    CS405 = "CS405", "unknown callout kind"
    CS406 = "CS406", "objective is not assessed by any question"
    CS407 = "CS407", "callout is never closed"
    CS408 = "CS408", "heading appears twice in a module"
    CS409 = "CS409", "knowledge-check text cannot show this link or image"
    CS501 = "CS501", "exporter failed"
    CS502 = "CS502", "SCORM suspend_data budget exceeded"
    CS503 = "CS503", "template error"
    CS504 = "CS504", "unknown output format"
    CS505 = "CS505", "resource refused by the PDF renderer"
    CS506 = "CS506", "PDF renderer warning"
    CS507 = "CS507", "template broke the sandbox"
    CS530 = "CS530", "question left out of the Common Cartridge"
    CS531 = "CS531", "knowledge-check setting the Common Cartridge cannot carry"
    CS541 = "CS541", "package has no published module to hold"
    CS601 = "CS601", "output folder holds files coursec did not write"
    CS602 = "CS602", "output path is not a folder"
    CS603 = "CS603", "output folder may never be replaced"
    CS604 = "CS604", "another build is writing the output folder"
    CS610 = "CS610", "permission denied"
    CS611 = "CS611", "read-only file system"
    CS612 = "CS612", "no space left"
    CS613 = "CS613", "file too large"
    CS614 = "CS614", "name too long"
    CS615 = "CS615", "not a folder"
    CS616 = "CS616", "system error"
    CS701 = "CS701", "unknown interface message"
    CS702 = "CS702", "interface wording does not fit its message"
    CS703 = "CS703", "no interface catalog for this language"
    CS704 = "CS704", "character has no glyph in any installed font"
    CS720 = "CS720", "text cannot be extracted for translation"
    CS721 = "CS721", "XLIFF file cannot be read"
    CS722 = "CS722", "translation unit is not in the course"
    CS723 = "CS723", "text is not translated"
    CS724 = "CS724", "translation's inline codes do not match the source"
    CS725 = "CS725", "source changed since the XLIFF file was extracted"
    CS726 = "CS726", "translated course does not pass the checks"
    CS727 = "CS727", "file exists and coursec did not write it"
    CS728 = "CS728", "translation puts text around a figure's image"
    CS801 = "CS801", "folder for a new course is not empty"
    CS802 = "CS802", "preview cannot listen on this address"
    CS901 = "CS901", "exporter could not be loaded"
    CS902 = "CS902", "internal error"
