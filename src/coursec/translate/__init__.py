"""XLIFF 2.0 round trip for translators: `coursec translate extract` and `coursec translate merge`.

`coursec.translate.units` says what a translatable text is and where it was written;
`coursec.translate.front_matter` and `coursec.translate.body` find them, and
`coursec.translate.extract` collects them for a course. `coursec.translate.inline` cuts inline
Markdown into text and inline codes. `coursec.translate.xliff_writer` and
`coursec.translate.xliff_reader` write and read the XLIFF file (`coursec.translate.files`
writes it safely), `coursec.translate.update` carries translations over to a new extraction,
`coursec.translate.write_back` puts a translation where its source was, and
`coursec.translate.merge` checks a translation and writes the translated course folder.
"""
