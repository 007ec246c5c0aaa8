"""Dutch words for the vocabulary's codes, as residents and employees read them: the access
report (ledger) and the phone desk (notifier) use the same words. A code without a word is shown
as it is."""

from __future__ import annotations

__all__ = ["BASES", "DATA_CATEGORIES", "RECIPIENT_CATEGORIES"]

DATA_CATEGORIES = {
    "naw": "naam, adres, woonplaats",
    "geboortedatum": "geboortedatum",
    "geslacht": "geslacht",
    "burgerlijke-staat": "burgerlijke staat",
    "contactgegevens": "contactgegevens",
    "rekeningnummer": "rekeningnummer",
    "persoonlijke-situatie": "persoonlijke situatie",
    "arbeidsgegevens": "arbeidsgegevens",
    "loonstroken": "loonstroken",
    "loonwaarde": "uitkomst loonwaardemeting",
    "uitkering": "uitkering",
    "foto": "foto",
    "bsn": "burgerservicenummer (BSN)",
    "gezondheid": "gezondheid (bijzonder persoonsgegeven)",
}
RECIPIENT_CATEGORIES = {
    "uwv": "UWV",
    "uwv-werkbedrijf": "UWV WERKbedrijf",
    "svb": "Sociale Verzekeringsbank",
    "gemeente": "gemeente",
    "sociale-dienst": "sociale dienst",
    "schuldhulpverlening": "schuldhulpverlening",
    "gemeentesecretarie": "gemeentesecretarie",
    "werkgever": "werkgever",
    "jobcoach": "jobcoach(organisatie)",
    "trajectaanbieder": "aanbieder van re-integratietrajecten",
    "school": "school of opleidingsinstituut",
    "bewindvoerder": "bewindvoerder",
    "interne-behandelaar": "medewerker van de organisatie zelf",
    "leverancier": "leverancier (verwerker)",
    "openbaar": "openbaar (website en sociale media)",
}
BASES = {
    "a": "toestemming (AVG art. 6 lid 1 sub a)",
    "b": "uitvoering van een overeenkomst (AVG art. 6 lid 1 sub b)",
    "c": "wettelijke verplichting (AVG art. 6 lid 1 sub c)",
    "d": "vitaal belang (AVG art. 6 lid 1 sub d)",
    "e": "taak van algemeen belang (AVG art. 6 lid 1 sub e)",
    "f": "gerechtvaardigd belang (AVG art. 6 lid 1 sub f)",
}
