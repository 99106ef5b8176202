"""Search in Spanish: a Spanish query, with or without accents, finds what its English twin
finds in the sample catalog (listings are written in English), and "Did you mean" corrects a
misspelt Spanish word to Spanish."""

from __future__ import annotations

import pytest

from portal.search import SearchParams, search_services, synonyms

TOP = 5

# (Spanish as a resident types it, the English a resident would type for the same need)
TWINS = [
    ("desintoxicación", "detox"),
    ("desintoxicacion", "detox"),
    ("consejería", "counseling"),
    ("consejeria", "counseling"),
    ("consejería familiar", "family counseling"),
    ("terapia", "therapy"),
    ("terapeuta", "therapist"),
    ("psicólogo", "psychologist"),
    ("psiquiatra", "psychiatrist"),
    ("salud mental", "mental health"),
    ("vivienda", "housing"),
    ("ayuda con la renta", "rent help"),
    ("renta", "rent"),
    ("alquiler", "rent"),
    ("desalojo", "eviction"),
    ("refugio", "shelter"),
    ("albergue", "shelter"),
    ("sin hogar", "homeless"),
    ("dónde dormir", "place to sleep"),
    ("donde dormir", "place to sleep"),
    ("comida", "food"),
    ("banco de comida", "food pantry"),
    ("banco de alimentos", "food pantry"),
    ("comedor comunitario", "soup kitchen"),
    ("comidas gratis", "free meals"),
    ("abogado", "lawyer"),
    ("ayuda legal", "legal help"),
    ("abogado de inmigración", "immigration lawyer"),
    ("inmigración", "immigration"),
    ("seguro médico", "health insurance"),
    ("seguro medico", "health insurance"),
    ("sin seguro", "uninsured"),
    ("Medicaid", "medicaid"),
    ("cupones de alimentos", "food stamps"),
    ("estampillas de comida", "food stamps"),
    ("discapacidad", "disability benefits"),
    ("adicción", "addiction"),
    ("adiccion", "addiction"),
    ("alcoholismo", "alcoholism"),
    ("dejar de beber", "stop drinking"),
    ("drogas", "drugs"),
    ("opioides", "opioids"),
    ("metadona", "methadone"),
    ("buprenorfina", "buprenorphine"),
    ("naloxona", "naloxone"),
    ("sobredosis", "overdose"),
    ("jeringas", "needles"),
    ("reducción de daños", "harm reduction"),
    ("tiras de prueba", "test strips"),
    ("prueba de vih", "hiv test"),
    ("suicidio", "suicide"),
    ("quiero morir", "want to die"),
    ("línea de crisis", "crisis hotline"),
    ("linea de crisis", "crisis hotline"),
    ("equipo de crisis", "crisis team"),
    ("depresión", "depression"),
    ("depresion", "depression"),
    ("ansiedad", "anxiety"),
    ("estrés", "stress"),
    ("duelo", "grief"),
    ("trastornos alimenticios", "eating disorders"),
    ("psicosis", "psychosis"),
    ("grupo de apoyo", "support group"),
    ("alcohólicos anónimos", "alcoholics anonymous"),
    ("recuperación", "recovery"),
    ("vivienda de recuperación", "recovery housing"),
    ("adolescentes", "teens"),
    ("niños", "kids"),
    ("ninos", "kids"),
    ("veteranos", "veterans"),
    ("adultos mayores", "seniors"),
    ("violencia doméstica", "domestic violence"),
    ("embarazada", "pregnant"),
    ("sordo", "deaf"),
    ("lengua de señas", "sign language"),
    ("refugiados", "refugees"),
    ("cárcel", "jail"),
    ("sin cita", "walk-in"),
    ("telesalud", "telehealth"),
    ("por teléfono", "by phone"),
    ("escala móvil", "sliding scale"),
    ("gratis", "free"),
    ("barato", "cheap"),
    ("guardería", "child care"),
    ("médico", "primary care"),
    ("en español", "spanish"),
    # Whole sentences: the small words are dropped, the phrase is translated.
    ("necesito ayuda con la renta", "rent help"),
    ("busco un abogado", "lawyer"),
    ("consejería para adolescentes", "counseling for teens"),
    ("necesito desintoxicación hoy", "detox"),
]

# (misspelt, the Spanish word "Did you mean" offers, its English twin)
MISSPELT = [
    ("vivenda", "vivienda", "housing"),
    ("desintoxicasion", "desintoxicación", "detox"),
    ("consejerria", "consejería", "counseling"),
    ("refujio", "refugio", "shelter"),
    ("abogao", "abogado", "lawyer"),
    ("metadonna", "metadona", "methadone"),
]


def top(query: str) -> list[str]:
    page = search_services(SearchParams(q=query, per_page=50))
    assert page.available
    return page.service_ids[:TOP]


def test_there_are_at_least_sixty_spanish_queries():
    assert len(TWINS) >= 60
    assert all(synonyms.translate(synonyms.words_of(es)) for es, _en in TWINS)


def test_spanish_queries_find_what_their_english_twins_find(sample):
    differing = []
    for spanish, english in TWINS:
        found, wanted = top(spanish), top(english)
        if not wanted:
            differing.append((spanish, english, "the English twin finds nothing"))
        elif found != wanted:
            differing.append((spanish, english, found, wanted))
    assert not differing, differing


@pytest.mark.parametrize(("typo", "spanish", "english"), MISSPELT)
def test_did_you_mean_corrects_spanish_to_spanish(sample, typo, spanish, english):
    page = search_services(SearchParams(q=typo, per_page=50))
    assert page.suggestion == spanish
    assert set(page.service_ids[:TOP]) == set(top(english))


def test_a_spanish_sentence_keeps_its_words_in_the_suggestion(sample):
    page = search_services(SearchParams(q="consejería vivenda", per_page=50))
    assert page.suggestion == "consejería vivienda"


def test_accents_are_optional_both_ways():
    assert synonyms.translate(("consejeria",)) == synonyms.translate(("consejería",))
    assert synonyms.translate(synonyms.words_of("NIÑOS")) == ("kids",)
    assert synonyms.translate(("ninos",)) == ("kids",)


def test_the_spanish_file_is_well_formed():
    with pytest.raises(ValueError):
        synonyms.parse_twins(["consejería counseling"])
    with pytest.raises(ValueError):
        synonyms.parse_twins(["= counseling"])
    # A twin is English: no twin is itself a Spanish entry (one step of translation only).
    twins = synonyms.twins()
    assert not [twin for twin in twins.values() if synonyms.fold(twin) in twins]


def test_search_page_in_spanish_offers_a_spanish_suggestion(sample, client):
    page = client.get("/search?q=vivenda", headers={"Accept-Language": "es"})
    text = page.get_data(as_text=True)
    assert "Quiso decir" in text and "vivienda" in text
