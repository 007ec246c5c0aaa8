"""The five parties and their topics of the privacy regulation, art. 8 lid 3 (seed 003).

    Het telefonisch verstrekken van inlichtingen over geregistreerden aan derden is niet
    toegestaan, met uitzondering van bij de werkKRACHTcentrale bekende personen van de
    volgende derden: [the five below]. Het bepaalde in art 8 lid 3 is van toepassing, tenzij
    de directie in een concreet geval anders beslist. Indien wordt getwijfeld aan de
    identiteit van de verzoeker om telefonische inlichtingen, dient deze te worden
    teruggebeld. Voor er wordt teruggebeld, wordt het opgegeven telefoonnummer geverifieerd.

The legal basis per topic follows the processing register (seed 000: AVG art. 6 lid 1 c/e,
Participatiewet art. 53a, Wet SUWI art. 54); where the register names no statute for a topic,
the statute governing that procedure is named. The register gives telephone information the
art. 9 ground b (social security) with Wet SUWI art. 54 (register/werkkrachtcentrale.yaml): only
the topics that rest on Wet SUWI carry it, so health data go by phone to UWV and UWV Werkbedrijf
and to no other party without a management decision.
"""

from __future__ import annotations

from .registry import Party, Topic

__all__ = ["ART_8_LID_3"]


_SUWI = "Wet SUWI art. 54"
_PW = "Participatiewet art. 53a"

ART_8_LID_3: tuple[Party, ...] = (
    Party(
        party_id="uwv",
        name="Uitvoeringsorgaan werknemersverzekeringen (UWV)",
        category="uwv",
        topics=(
            Topic(
                "arbeidsongeschiktheidsuitkering", "Arbeidsongeschiktheidsuitkering", "c", _SUWI, "b", _SUWI
            ),
            Topic("werkloosheidsuitkering", "Werkloosheidsuitkering", "c", _SUWI, "b", _SUWI),
        ),
    ),
    Party(
        party_id="uwv-werkbedrijf",
        name="UWV Werkbedrijf (en zijn wettige opvolgers)",
        category="uwv-werkbedrijf",
        topics=(
            Topic("indiensttreding", "Indiensttreding", "c", _SUWI, "b", _SUWI),
            Topic("uitdiensttreding", "Uitdiensttreding", "c", _SUWI, "b", _SUWI),
        ),
    ),
    Party(
        party_id="sociale-dienst",
        name="Sociale Dienst",
        category="sociale-dienst",
        topics=(
            Topic("indiensttreding", "Indiensttreding", "e", _PW),
            Topic("uitdiensttreding", "Uitdiensttreding", "e", _PW),
            Topic("activiteitenovereenkomst", "Activiteitenovereenkomst", "e", _PW),
        ),
    ),
    Party(
        party_id="bureau-schuldhulpverlening",
        name="Bureau Schuldhulpverlening",
        category="schuldhulpverlening",
        topics=(
            Topic("schuldhulpverlening", "Schuldhulpverlening", "e", "Wet gemeentelijke schuldhulpverlening"),
        ),
    ),
    Party(
        party_id="gemeentesecretarie-abjz",
        name="Gemeentesecretarie, afdeling Algemeen Bestuurlijke en Juridische Zaken",
        category="gemeentesecretarie",
        topics=(
            Topic("bezwaarprocedure", "Bezwaarprocedure", "e", "Algemene wet bestuursrecht hoofdstuk 6 en 7"),
        ),
    ),
)
