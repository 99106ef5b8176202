"""Crisis-aware search (issue 12, point 1): the phrase families of portal/search/crisis.toml,
phrasings a person would type that must raise a crisis answer, ordinary searches that must
not, and the answer on the results page (above everything, also with no results) and in
/search.json."""

from __future__ import annotations

import html
import re

import pytest

from portal.search import crisis

# What a person would type, by the family it must raise, in English and Spanish, with
# typos, slang, missing accents and apostrophes.
MUST_TRIGGER = {
    "suicide": {
        "en": [
            "I want to kill myself",
            "i want to kil myself",
            "kil myself",
            "kill my self",
            "sucide",
            "suicide",
            "suicidal",
            "sucidal thoughts",
            "suicde hotline",
            "im suicidal",
            "I'm suicidal right now",
            "feeling suicidal tonight",
            "dont want to live",
            "don't want to live anymore",
            "i do not want to live",
            "i dont wanna be alive",
            "i want to die",
            "wanna die",
            "i just want to die",
            "i really really want to die",
            "I wish I was dead",
            "everyone would be better off without me",
            "i am better off dead",
            "how to end my life",
            "i want to end it all",
            "thinking of ending my life",
            "thinking about suicide",
            "thoughts of suicide",
            "i have a suicide plan",
            "going to take my own life",
            "no reason to live",
            "i have nothing to live for",
            "life is not worth living",
            "i cant go on",
            "i can't do this anymore",
            "i want to hurt myself",
            "i keep cutting myself",
            "self harm",
            "self-harm help",
            "selfharm",
            "i want to shoot myself",
            "going to hang myself",
            "want to jump off a bridge",
            "kms",
            "i want to unalive myself",
            "my son is suicidal",
            "my daughter wants to kill herself",
            "my husband says he will kill himself",
            "friend threatening suicide",
            "my brother is talking about killing himself",
            "my mom wants to die",
            "he keeps hurting himself",
            "commit suicide",
            "how to commit sucide",
            "i want to kill myslef",
            "kill mysefl",
            "KILL MYSELF",
            "want to kill myself near 22314",
            "i took pills to overdose on purpose",
        ],
        "es": [
            "quiero morir",
            "Quiero morirme",
            "me quiero morir",
            "me quiero matar",
            "quiero matarme",
            "me voy a matar",
            "voy a matarme",
            "me quiero suicidar",
            "quiero suicidarme",
            "me voy a suicidar",
            "suicidio",
            "pensamientos suicidas",
            "tengo pensamientos suicidas",
            "pienso en suicidarme",
            "ya no quiero vivir",
            "no quiero vivir",
            "no quiero seguir viviendo",
            "no vale la pena vivir",
            "quiero quitarme la vida",
            "me quiero quitar la vida",
            "quiero acabar con mi vida",
            "terminar con mi vida",
            "estaria mejor muerto",
            "estaría mejor muerta",
            "ojalá estuviera muerta",
            "quiero desaparecer",
            "me quiero hacer daño",
            "quiero hacerme dano",
            "me quiero lastimar",
            "me corto las venas",
            "mi hijo se quiere matar",
            "mi hija se quiere suicidar",
            "mi esposo dice que se va a matar",
            "mi amigo quiere suicidarse",
            "mi mamá habla de matarse",
            "ya no aguanto más",
            "ya no puedo más",
            "q quiero morir",
            "kiero morir",
            "quiero morri",
            "me kiero matar",
            "suicida",
            "quiero ahorcarme",
            "autolesiones",
        ],
    },
    "overdose": {
        "en": [
            "my friend overdosed and isnt breathing",
            "my friend overdosed and isn't breathing",
            "overdose",
            "overdosed",
            "someone is overdosing",
            "my son is overdosing right now",
            "he overdosed",
            "she overdosed on heroin",
            "friend od",
            "my brother od'd",
            "he od'd and wont wake up",
            "he is not breathing",
            "she stopped breathing",
            "he's barely breathing",
            "my boyfriend wont wake up",
            "she won't wake up after taking pills",
            "he is unresponsive",
            "lips are blue",
            "his lips are blue",
            "she is turning blue",
            "took too many pills",
            "my mom took too many pills",
            "took a bunch of pills",
            "too much fentanyl",
            "fentanyl overdose",
            "heroin overdose",
            "overdoes",
            "overdosse",
            "ovedose",
            "my dad is not waking up",
            "i need narcan now",
            "need naloxone now he is blue",
            "overdose near 22314",
            "OVERDOSE HELP",
        ],
        "es": [
            "sobredosis",
            "mi amigo tiene una sobredosis",
            "sobre dosis",
            "sobredosis de fentanilo",
            "no respira",
            "mi hermano no respira",
            "no está respirando",
            "dejó de respirar",
            "no despierta",
            "mi hijo no se despierta",
            "no reacciona",
            "tiene los labios morados",
            "labios azules",
            "se puso morado",
            "se tomó todas las pastillas",
            "se tomo muchas pastillas",
            "tomé muchas pastillas",
            "demasiadas pastillas",
            "sobredocis",
        ],
    },
    "danger": {
        "en": [
            "someone is threatening me",
            "my ex is threatening me",
            "he threatened me",
            "he is threatening to kill me",
            "my boyfriend is going to kill me",
            "he's gonna kill me",
            "someone is trying to kill me",
            "he wants to kill me",
            "someone is hurting me",
            "my husband hit me",
            "he is hitting me",
            "she is beating me",
            "he beat me up",
            "he is choking me",
            "someone attacked me",
            "he has a gun",
            "a man with a knife",
            "im in danger",
            "i am in danger",
            "i'm not safe",
            "i dont feel safe at home",
            "someone is following me",
            "a man is stalking me",
            "someone is breaking in",
            "he wont let me leave",
            "i am being abused",
            "threatning me",
            "someone is threatenin me",
        ],
        "es": [
            "me está amenazando",
            "mi ex me amenaza",
            "me amenazó",
            "me va a matar",
            "mi esposo me quiere matar",
            "me quieren matar",
            "me está golpeando",
            "mi pareja me golpea",
            "me pega",
            "tiene una pistola",
            "tiene un cuchillo",
            "estoy en peligro",
            "no me siento segura",
            "no estoy a salvo",
            "alguien me está siguiendo",
            "me persigue un hombre",
            "se metió a mi casa",
            "no me deja salir",
            "me tiene encerrada",
            "me está maltratando",
            "me esta amenasando",
        ],
    },
}

# Ordinary needs, some near the crisis words, that must never raise a crisis answer.
MUST_NOT_TRIGGER = [
    "food pantry",
    "detox",
    "dental care",
    "counseling for teens",
    "counseling",
    "therapy",
    "therapist near me",
    "psychiatrist",
    "medication management",
    "suboxone",
    "methadone clinic",
    "naloxone",
    "narcan",
    "narcan training",
    "free narcan kits",
    "naloxone kit",
    "overdose prevention training",
    "overdose kit",
    "fentanyl test strips",
    "overdose loss support group",
    "grief after an overdose",
    "suicide prevention training",
    "suicide loss survivors group",
    "suicide prevention class",
    "suicide awareness walk",
    "crisis line",
    "crisis hotline",
    "988",
    "mobile crisis",
    "crisis stabilization",
    "emergency room",
    "emergency shelter",
    "emergency food",
    "domestic violence",
    "domestic violence shelter",
    "safe place to stay",
    "safety plan",
    "anger management",
    "AA meetings",
    "alcoholics anonymous",
    "narcotics anonymous",
    "recovery meetings",
    "sober living",
    "halfway house",
    "residential treatment",
    "inpatient rehab",
    "drug rehab",
    "alcohol detox",
    "opioid treatment",
    "syringe services",
    "needle exchange",
    "harm reduction",
    "hiv testing",
    "hepatitis c",
    "peer support",
    "warmline",
    "someone to talk to",
    "support group",
    "grief counseling",
    "bereavement group",
    "depression",
    "anxiety",
    "panic attacks",
    "ptsd",
    "bipolar",
    "schizophrenia",
    "eating disorder",
    "adhd testing",
    "autism services",
    "dementia care",
    "memory care",
    "family therapy",
    "couples counseling",
    "parenting classes",
    "youth programs",
    "after school",
    "child care",
    "head start",
    "wic",
    "snap benefits",
    "food stamps",
    "medicaid",
    "apply for medicaid",
    "health insurance",
    "no insurance",
    "free clinic",
    "sliding scale",
    "dentist",
    "eye doctor",
    "primary care",
    "urgent care",
    "pharmacy",
    "prescription help",
    "housing",
    "rent help",
    "eviction",
    "homeless shelter",
    "somewhere to sleep tonight",
    "shelter tonight",
    "hypothermia shelter",
    "day center",
    "showers",
    "laundry",
    "clothing",
    "free meals",
    "soup kitchen",
    "hot meal",
    "job training",
    "resume help",
    "ged classes",
    "english classes",
    "legal aid",
    "immigration lawyer",
    "veterans services",
    "va benefits",
    "transportation",
    "bus pass",
    "phone",
    "internet",
    "id card",
    "birth certificate",
    "utility bill help",
    "electric bill",
    "tax help",
    "senior center",
    "meals on wheels",
    "disability services",
    "deaf services",
    "sign language",
    "spanish speaking counselor",
    "consejeria",
    "consejería en español",
    "despensa de comida",
    "comida gratis",
    "refugio",
    "refugio para mujeres",
    "ayuda con la renta",
    "clínica gratis",
    "dentista",
    "médico",
    "seguro médico",
    "sin seguro",
    "desintoxicacion",
    "tratamiento para el alcohol",
    "grupo de apoyo",
    "terapia familiar",
    "ansiedad",
    "depresion",
    "violencia doméstica",
    "abogado de inmigracion",
    "clases de ingles",
    "trabajo",
    "prevención del suicidio",
    "capacitación de naloxona",
    "kill lice",
    "pest control",
    "my back is hurting me",
    "detox near 22314",
    "safe injection",
    "walk in clinic",
    "open now",
    "what",
    "help",
    "i need help",
    "i need help now",
    "dancer classes",
    "i want to dye my hair",
]


def _cases():
    for family, by_lang in MUST_TRIGGER.items():
        for lang, phrasings in by_lang.items():
            for text in phrasings:
                yield pytest.param(text, family, lang, id=f"{family}-{lang}-{text}")


def test_the_lists_are_big_enough_and_distinct():
    phrasings = [t for by_lang in MUST_TRIGGER.values() for ts in by_lang.values() for t in ts]
    assert len(phrasings) >= 150
    assert sum(len(by_lang["es"]) for by_lang in MUST_TRIGGER.values()) >= 60
    assert len(MUST_NOT_TRIGGER) >= 150
    assert len(set(phrasings)) == len(phrasings)
    assert len(set(MUST_NOT_TRIGGER)) == len(MUST_NOT_TRIGGER)


@pytest.mark.parametrize("family", ["suicide", "overdose", "danger"])
def test_each_family_has_phrases_and_both_languages(family):
    rules = crisis.rules()
    langs = {p.lang for p in rules.phrases if p.family == family and not p.mention}
    assert langs == {"en", "es"}
    for lang in crisis.LANGUAGES:
        answer = rules.answers[(family, lang)]
        assert answer.kind == family and answer.lang == lang
        assert answer.title and answer.message and answer.actions
        assert all(re.fullmatch(r"(tel|sms):\d+", a.href) for a in answer.actions)


@pytest.mark.parametrize(("text", "family", "lang"), list(_cases()))
def test_a_crisis_phrasing_raises_its_family_in_its_language(text, family, lang):
    answer = crisis.detect(text)
    assert answer is not None, text
    assert (answer.kind, answer.lang) == (family, lang)


@pytest.mark.parametrize("text", MUST_NOT_TRIGGER)
def test_an_ordinary_search_raises_no_crisis_answer(text):
    assert crisis.detect(text) is None


def test_suicide_answers_offer_988_by_call_and_text_and_911():
    for lang in crisis.LANGUAGES:
        hrefs = [a.href for a in crisis.rules().answers[("suicide", lang)].actions]
        assert hrefs[:2] == ["tel:988", "sms:988"] and "tel:911" in hrefs


def test_overdose_answers_put_911_first_then_what_to_do_with_naloxone():
    for lang in crisis.LANGUAGES:
        answer = crisis.rules().answers[("overdose", lang)]
        assert answer.actions[0].href == "tel:911"
        naloxone = {"en": "naloxone", "es": "naloxona"}[lang]
        assert naloxone in answer.steps[0].lower()
        assert "911" in answer.title


def test_danger_answers_put_911_first():
    for lang in crisis.LANGUAGES:
        assert crisis.rules().answers[("danger", lang)].actions[0].href == "tel:911"


def test_typos_are_tolerated_only_on_long_words():
    assert crisis.detect("kill mysel") is not None  # one letter missing from a long word
    assert crisis.detect("kiss myself") is None  # a short word must be exact
    assert crisis.detect("sucidee") is None  # two typos


def test_a_phrase_file_without_words_is_refused():
    data = {
        "families": {
            "x": {
                "phrases": {"en": ["!!"]},
                "en": {"title": "t", "message": "m", "actions": []},
                "es": {"title": "t", "message": "m", "actions": []},
            }
        }
    }
    with pytest.raises(ValueError, match="no words"):
        crisis.parse(data)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _first_result_position(body: str) -> int:
    return body.index('<ul class="listings">')


def test_the_panel_opens_the_results_page_above_the_first_result(client, sample):
    response = client.get("/search?q=I+want+to+kill+myself")
    body = _text(response)
    assert response.status_code == 200
    panel = body.index('id="crisis-panel"')
    assert panel < body.index("<h1>") < _first_result_position(body)
    assert 'href="tel:988"' in body[panel:] and 'href="sms:988"' in body[panel:]
    assert 'lang="en"' in body[panel : panel + 200]


@pytest.mark.parametrize("q", ["I want to kill myself", "kil myself", "sucide"])
def test_a_crisis_search_lists_988_first_and_no_stale_line_before_it(client, sample, q):
    data = client.get("/search.json", query_string={"q": q}).get_json()
    assert data["results"][0]["name"] == "988 Suicide & Crisis Lifeline"
    first_stale = [r["possibly_out_of_date"] for r in data["results"]].index(True)
    assert all(not r["possibly_out_of_date"] for r in data["results"][:first_stale])


def test_a_spanish_phrase_gets_the_spanish_panel_and_no_correction(client, sample):
    response = client.get("/search?q=quiero+morir")
    body = _text(response)
    assert 'lang="es"' in body[body.index('id="crisis-panel"') :][:200]
    assert "Llamar al 988" in body
    assert "Did you mean" not in body
    data = client.get("/search.json?q=quiero+morir").get_json()
    assert data["suggestion"] is None
    assert data["crisis"]["lang"] == "es"
    assert data["results"], "the crisis services follow as results"


def test_a_typo_with_no_matching_words_still_lists_crisis_services(client, sample):
    data = client.get("/search.json?q=kil+myself").get_json()
    assert data["crisis"]["kind"] == "suicide"
    assert data["total"] > 0
    assert data["results"][0]["name"] == "988 Suicide & Crisis Lifeline"


def test_overdose_panel_says_911_first_with_steps(client, sample):
    response = client.get("/search?q=my+friend+overdosed+and+isnt+breathing")
    body = _text(response)
    panel = body[body.index('id="crisis-panel"') :]
    assert panel.index('href="tel:911"') < panel.index('href="tel:988"')
    assert "naloxone" in panel.lower()
    data = client.get("/search.json?q=my+friend+overdosed+and+isnt+breathing").get_json()
    assert data["crisis"]["kind"] == "overdose"
    assert data["crisis"]["actions"][0] == {"label": "Call 911", "href": "tel:911"}


def test_the_panel_shows_on_zero_results_and_on_a_bad_filter(client, sample):
    # No service matches this age, yet the answer stays.
    response = client.get("/search?q=someone+is+threatening+me&age=120&language=xx")
    assert response.status_code == 400
    assert 'id="crisis-panel"' in _text(response)
    data = client.get("/search.json?q=someone+is+threatening+me&zip=00000").get_json()
    assert data["crisis"]["kind"] == "danger" and data["errors"]
    response = client.get("/search?q=me+va+a+matar&age=120")
    body = _text(response)
    assert response.status_code == 200 and 'id="crisis-panel"' in body
    assert "Llamar al 911" in body


def test_an_ordinary_search_has_no_panel_and_a_null_crisis(client, sample):
    assert 'id="crisis-panel"' not in _text(client.get("/search?q=food+pantry"))
    assert client.get("/search.json?q=detox").get_json()["crisis"] is None
    for q in [
        "I want to kill myself",
        "kil myself",
        "quiero morir",
        "my friend overdosed and isnt breathing",
        "someone is threatening me",
        "my son is suicidal",
    ]:
        d = client.get("/search.json", query_string={"q": q}).get_json()
        print(q, d["total"], [(r["name"], r["possibly_out_of_date"]) for r in d["results"][:5]])
