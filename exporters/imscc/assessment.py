"""A knowledge check as a QTI 1.2 assessment in the Common Cartridge 1.1 profile: the file an
`imsqti_xmlv1p2/imscc_xmlv1p1/assessment` resource holds.

Shaped for the two importers that matter, which read it by fixed paths rather than by running
QTI's response processing: Moodle's CC 1.1 importer (backup/cc/entity11.quiz.class.php) and
Canvas's (lib/cc/importer/standard/quiz_converter.rb, through Instructure's QTIMigrationTool).
The layout follows Moodle's own CC 1.1 quiz export (backup/cc/cc_lib/cc_asssesment.php):

* ``assessment/qtimetadata``: the profile, and `cc_maxattempts` when it can say the attempts;
  its ``rubric`` (the quiz's instructions) names the pass mark, which no metadata field of
  the profile carries;
* one ``section`` of ``item`` s, each with ``itemmetadata`` (`cc_profile`, `cc_weighting`), the
  prompt as HTML, and a ``response_lid`` (choices; true/false labelled ``true`` and ``false``)
  or a ``response_str`` (fill-in);
* ``resprocessing``, each condition ``continue="No"`` (Moodle shows the feedback of a
  ``continue="Yes"`` condition to everyone): a choice picked alone (single choice, true/false)
  has one condition that scores it (``setvar SCORE`` 100 or 0) and shows its feedback with
  the question's correct or incorrect one; multiple response has the right answer (every
  right choice and ``not`` each wrong one, ``case="Yes"`` as Moodle looks for), then each
  choice's feedback, then a wrong answer's (``other``); fill-in lists its accepted answers in
  the right answer's condition;
* ``itemfeedback``: ``correct_fb`` and ``general_incorrect_fb`` (the names both importers
  read), and ``choiceN_fb`` for choice N's feedback.
"""

from __future__ import annotations

from lxml import etree
from markupsafe import Markup

from coursec.questions.qti import QtiQuestion, QtiType

from .fidelity import CartridgeQuestion, CartridgeQuiz

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_qtiasiv1p2p1_v1p0.xsd"

PROFILES: dict[QtiType, str] = {
    "single-choice": "cc.multiple_choice.v0p1",
    "multiple-response": "cc.multiple_response.v0p1",
    "true-false": "cc.true_false.v0p1",
    "fill-in": "cc.fib.v0p1",
}
RESPONSE = "response1"
CORRECT_FB = "correct_fb"
INCORRECT_FB = "general_incorrect_fb"
TITLE_LENGTH = 80  # an item's title (Moodle: the question's name) is its prompt, cut to this


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{QTI}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def _metadata(parent: etree._Element, fields: list[tuple[str, str]]) -> None:
    qtimetadata = _el(parent, "qtimetadata")
    for label, entry in fields:
        field = _el(qtimetadata, "qtimetadatafield")
        _el(field, "fieldlabel", label)
        _el(field, "fieldentry", entry)


def _html(parent: etree._Element, html: Markup) -> None:
    _el(_el(parent, "material"), "mattext", str(html), texttype="text/html")


def _title(question: CartridgeQuestion) -> str:
    plain = " ".join(question.view.description.split())
    return plain if len(plain) <= TITLE_LENGTH else plain[: TITLE_LENGTH - 1].rstrip() + "…"


def _condition(
    resprocessing: etree._Element, score: int | None, feedback: list[str], *, more: bool = False
) -> etree._Element:
    """A respcondition: its conditionvar (returned, to fill), the score it sets, the feedback
    it shows; `more`: processing goes on after it (``continue="Yes"``)."""
    condition = _el(resprocessing, "respcondition", **{"continue": "Yes" if more else "No"})
    conditionvar = _el(condition, "conditionvar")
    if score is not None:
        _el(condition, "setvar", str(score), varname="SCORE", action="Set")
    for ident in feedback:
        _el(condition, "displayfeedback", feedbacktype="Response", linkrefid=ident)
    return conditionvar


def _choice_feedback(qti: QtiQuestion) -> dict[str, str]:
    """The itemfeedback ident of each choice that has feedback, by the choice's ident."""
    return {c.ident: f"choice{n}_fb" for n, c in enumerate(qti.choices, 1) if c.feedback}


def _presentation(item: etree._Element, question: CartridgeQuestion, shuffle: bool) -> None:
    qti = question.qti
    presentation = _el(item, "presentation")
    _html(presentation, question.view.prompt)
    if qti.type == "fill-in":
        response = _el(presentation, "response_str", ident=RESPONSE, rcardinality="Single")
        _el(_el(response, "render_fib"), "response_label", ident="answer1")  # the text field
        return
    cardinality = "Multiple" if qti.type == "multiple-response" else "Single"
    response = _el(presentation, "response_lid", ident=RESPONSE, rcardinality=cardinality)
    shuffled = shuffle and qti.type != "true-false"
    render = _el(response, "render_choice", shuffle="Yes" if shuffled else "No")
    for choice in qti.choices:
        _html(_el(render, "response_label", ident=choice.ident), choice.html)


def _processing(item: etree._Element, question: CartridgeQuestion) -> None:
    qti, view = question.qti, question.view
    given = dict(view.feedback)
    correct_fb = [CORRECT_FB] if "correct" in given else []
    incorrect_fb = [INCORRECT_FB] if "incorrect" in given else []
    resprocessing = _el(item, "resprocessing")
    outcomes = _el(resprocessing, "outcomes")
    _el(outcomes, "decvar", varname="SCORE", vartype="Decimal", minvalue="0", maxvalue="100")
    own = _choice_feedback(qti)

    if qti.type == "fill-in":
        right = _condition(resprocessing, 100, correct_fb)
        for text in qti.accepted:  # any one of them (a response equals one string at most)
            _el(right, "varequal", text, respident=RESPONSE, case="No")
        if incorrect_fb:
            _el(_condition(resprocessing, None, incorrect_fb), "other")
    elif qti.type == "multiple-response":
        right = _el(_condition(resprocessing, 100, correct_fb), "and")
        for choice in qti.choices:
            parent = right if choice.correct else _el(right, "not")
            _el(parent, "varequal", choice.ident, respident=RESPONSE, case="Yes")
        for choice in qti.choices:
            if choice.ident in own:
                shown = _condition(resprocessing, None, [own[choice.ident]])
                _el(shown, "varequal", choice.ident, respident=RESPONSE, case="Yes")
        if incorrect_fb:
            _el(_condition(resprocessing, None, incorrect_fb), "other")
    else:  # one choice is picked: its condition scores it and shows its feedback
        for choice in sorted(qti.choices, key=lambda c: not c.correct):
            mine = [own[choice.ident]] if choice.ident in own else []
            if choice.correct:
                condition = _condition(resprocessing, 100, mine + correct_fb)
            elif mine or incorrect_fb:
                condition = _condition(resprocessing, 0, mine + incorrect_fb)
            else:
                continue
            _el(condition, "varequal", choice.ident, respident=RESPONSE)

    feedback = [(CORRECT_FB, given.get("correct")), (INCORRECT_FB, given.get("incorrect"))]
    feedback += [(own[c.ident], c.feedback) for c in qti.choices if c.ident in own]
    for ident, html in feedback:
        if html is not None:
            _html(_el(_el(item, "itemfeedback", ident=ident), "flow_mat"), html)


def _link_to_page(root: etree._Element, page: str) -> None:
    """A link to a heading of the module (``#slug``) leads to it on the module's page: the quiz
    is not on that page. (Both importers turn a link to a file of the cartridge into a link to
    the imported file.)"""
    for mattext in root.iter(f"{{{QTI}}}mattext"):
        if mattext.get("texttype") == "text/html" and mattext.text:
            mattext.text = mattext.text.replace('href="#', f'href="{page}#')


def _item(section: etree._Element, quiz: CartridgeQuiz, question: CartridgeQuestion) -> None:
    ident = f"{quiz.module.id}__{question.view.id}"
    item = _el(section, "item", ident=ident, title=_title(question))
    fields = [("cc_profile", PROFILES[question.qti.type])]
    if question.weight is not None:
        fields.append(("cc_weighting", str(question.weight)))
    _metadata(_el(item, "itemmetadata"), fields)
    _presentation(item, question, quiz.view.quiz.shuffle_choices)
    _processing(item, question)


def assessment_bytes(quiz: CartridgeQuiz) -> bytes:
    """The quiz's QTI file, UTF-8 with an XML declaration; same quiz, same bytes."""
    root = etree.Element(f"{{{QTI}}}questestinterop", nsmap={None: QTI, "xsi": XSI})  # type: ignore[dict-item]
    root.set(f"{{{XSI}}}schemaLocation", f"{QTI} {SCHEMA}")
    assessment = _el(root, "assessment", ident=f"QUIZ-{quiz.module.id}", title=quiz.title)
    fields = [
        ("cc_profile", "cc.exam.v0p1"),
        ("qmd_assessmenttype", "Examination"),
        ("qmd_scoretype", "Percentage"),
        ("qmd_feedbackpermitted", "Yes"),
    ]
    if quiz.max_attempts is not None:
        fields.append(("cc_maxattempts", quiz.max_attempts))
    _metadata(assessment, fields)
    words = quiz.view.interface
    rules = words.gettext("Pass mark: %(mark)s%%.", mark=words.number(quiz.view.quiz.passing_score))
    _el(_el(_el(assessment, "rubric"), "material"), "mattext", rules, texttype="text/plain")
    section = _el(assessment, "section", ident=f"SECTION-{quiz.module.id}")
    for question in quiz.questions:
        _item(section, quiz, question)
    _link_to_page(root, quiz.module.page)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
