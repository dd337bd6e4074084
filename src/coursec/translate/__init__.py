"""XLIFF 2.0 round trip for translators: `coursec translate extract` and `coursec translate merge`.

`coursec.translate.inline` cuts inline Markdown into text and inline codes (and back),
`coursec.translate.units` finds every translatable text of a course with a stable id and the
place it was written, `coursec.translate.xliff_writer` and `coursec.translate.xliff_reader`
write and read the XLIFF file, `coursec.translate.update` carries translations over to a new
extraction, and `coursec.translate.merge` writes the translated course folder.
"""
