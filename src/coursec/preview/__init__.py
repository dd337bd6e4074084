"""`coursec preview`: the course served while it is edited.

`coursec.preview.live` builds the course into a temporary folder and rebuilds after every save
(the in-memory incremental build of `coursec.watch`), keeping the state of the last build;
`coursec.preview.server` serves that output on 127.0.0.1 and adds, only in what it serves, the
preview script (`static/preview.js`: reload through Server-Sent Events, the error overlay, the
toolbar) and, for `?lms=scorm12|scorm2004`, the LMS simulator (`static/lms.js`). Nothing the
preview adds is ever written into a built output.
"""
