"""Two more demo brands, one Dutch (bicycles) and one German (outdoor gear), written in their customers' languages."""

from __future__ import annotations

from listener.demo.brand import DemoBrand

_FIETS_SITE = "https://fietsfabriek.example"
_BERG_SITE = "https://bergwerk.example"

FIETSFABRIEK = DemoBrand(
    username="fietsfabriek", display_name="De Fietsfabriek",
    note="Stadsfietsen en e-bikes uit Utrecht. Vragen? Stuur ons een DM.",
    followers=1318, following=96, hashtag="fietsfabriek", site=_FIETS_SITE, language="nl",
    news=(
        f"Nieuw: de stadsfiets S2 met een accu voor 120 km. Nu te bestellen: {_FIETS_SITE}/s2",
        "Onze winkel in Utrecht is vanaf zaterdag ook op zondag open.",
        "Tip van de week: pomp je banden elke twee weken op, dan fiets je lichter en veiliger.",
        f"Nieuwe software voor het display: nu met routeplanner. {_FIETS_SITE}/update",
        "Achter de schermen: elke fiets rijdt 50 km op de testbaan voordat hij de deur uit gaat.",
        "Dit weekend staan we op de fietsbeurs in Amsterdam, kom langs bij stand 12!",
        "De winterbanden zijn weer op voorraad #fietsfabriek",
    ),
    audience_questions=(
        "Waar fietsen jullie in het weekend het liefst naartoe?",
        "Welke kleur moet de volgende stadsfiets krijgen: mat zwart, groen of zand?",
        "Vertel eens: hoeveel kilometer fiets jij per week?",
        "Wat zou jij aan je fiets veranderen? Wees eerlijk <3",
    ),
    incident_posts=(
        f"Update over leveringen: ons magazijn loopt 5-7 dagen achter. Sorry, we werken eraan. {_FIETS_SITE}/status",
        f"We hebben een defecte serie accu's gevonden (serienummers A7-*). Is die van jou getroffen? "
        f"{_FIETS_SITE}/terugroepactie",
        "Nog een update over de accu's: de vervangende accu's gaan volgende week op de post. Dank voor jullie geduld.",
    ),
    texts={
        "positive": (
            "Super blij met mijn nieuwe e-bike, hij rijdt heerlijk!",
            "Top service in de winkel, binnen een uur geholpen. Bedankt!",
            "Wat een mooie fiets, echt een aanrader.",
            "De accu gaat veel langer mee dan ik dacht, geweldig.",
            "Vriendelijke monteur en snel klaar. Dank jullie wel!",
            "Fantastische fiets, ik fiets nu elke dag naar mijn werk.",
        ),
        "neutral": (
            "Besteld, wordt donderdag geleverd.", "Ik gebruik de fiets vooral om naar mijn werk te gaan.",
            "Vorig jaar jullie stand op de beurs gezien.", "Het zadel staat bij mij op stand 5.",
            "Morgen haal ik de fiets op in Utrecht.",
        ),
        "question": (
            "Hoe vervang ik de remblokken?", "Past de nieuwe accu ook op het oude model?",
            "Hoe lang is de garantie op het frame?", "Leveren jullie ook in België?",
            "Kan ik in de winkel een proefrit maken?", "Is er een handleiding voor het display?",
        ),
        "negative": (
            "Mijn bestelling is al twee weken te laat en niemand reageert op mijn mails.",
            "Voor de derde keer: waar blijft mijn terugbetaling?",
            "De accu is na een maand al kapot. Erg teleurgesteld.",
            "De klantenservice heeft mijn ticket gesloten zonder iets op te lossen. Slecht.",
            "Slechte ervaring, de fiets rammelt en niemand helpt me.",
        ),
    },
    incident_complaints=(
        "Mijn fiets kwam kapot aan. Dit is onacceptabel!",
        "Nog steeds geen levering na tien dagen. Slechtste service ooit.",
        "Accu defect en de klantenservice negeert me. Nooit meer een Fietsfabriek.",
        "Ik wil mijn geld terug. Twee kapotte accu's na elkaar, ik ben het zat.",
        "Weer vertraging?! Ik heb voor snelle levering betaald.",
        "Woedend. De vervangende accu is ook kapot.",
    ),
    brand_answers={
        "question": (f"Bedankt voor je vraag! Hier staat een stappenplan: {_FIETS_SITE}/help?onderwerp=remmen",
                     "Ja, die past! Alle accu's van de S-serie passen.",
                     "Goede vraag. We hebben je een DM gestuurd met de details."),
        "negative": ("Wat vervelend, sorry! Stuur ons je ordernummer, dan lossen we het vandaag op.",
                     "Zo hoort het niet te gaan. Ons team neemt binnen 24 uur contact met je op.",
                     "Sorry voor het wachten! Er is een vervanging onderweg."),
    },
    incident_answer=f"Sorry, deze serie accu's is defect. Je krijgt gratis een nieuwe: {_FIETS_SITE}/terugroepactie",
    other_languages={"en": {
        "positive": ("Rented one in Utrecht, what a lovely bike!", "Great shop, friendly and helpful staff."),
        "neutral": ("Picking up my bike on Friday.", "Visiting Utrecht next week with the family."),
        "question": ("Do you ship to Germany?", "Can I rent a bike for a weekend?"),
        "negative": ("My bike arrived with a broken light. Disappointed.", "Still no reply to my email."),
    }},
    extra_tags=("#fietsen", "#ebike", "#woonwerk"), flourishes=("", "", "", " :)", " 🚲", " 🙏"),
    blog_path="/blog/onderhoud?utm_source=fedi", no_language_share=0.35, crisis_scale=3,
)

BERGWERK = DemoBrand(
    username="bergwerk", display_name="Bergwerk Outdoor",
    note="Jacken, Rucksäcke und Zelte für draußen. Fragen? Schreib uns eine DM.",
    followers=1874, following=142, hashtag="bergwerkoutdoor", site=_BERG_SITE, language="de",
    news=(
        f"Neu: der Tourenrucksack T40 mit Regenhülle und Rückenbelüftung. Jetzt vorbestellen: {_BERG_SITE}/t40",
        "Unser Laden in München hat ab Samstag länger geöffnet.",
        "Tipp der Woche: die Jacke regelmäßig waschen, dann bleibt die Membran atmungsaktiv.",
        f"Neue Farben für die Wanderschuhe: Moos, Sand und Schiefer. {_BERG_SITE}/schuhe",
        "Hinter den Kulissen: jedes Zelt steht 48 Stunden im Regentest, bevor es verschickt wird.",
        "Dieses Wochenende sind wir auf der Outdoor-Messe in Friedrichshafen, Stand 7!",
        "Die Winterschlafsäcke sind wieder da #bergwerkoutdoor",
    ),
    audience_questions=(
        "Wohin geht eure nächste Wanderung?",
        "Welche Farbe soll die nächste Jacke haben: Rot, Petrol oder Schwarz?",
        "Erzählt mal: wie viele Nächte im Jahr schlaft ihr im Zelt?",
        "Was würdet ihr an eurem Rucksack ändern? Seid ehrlich <3",
    ),
    incident_posts=(
        f"Update zur Lieferung: unser Lager hängt 5-7 Tage hinterher. Es tut uns leid, wir arbeiten daran. "
        f"{_BERG_SITE}/status",
        f"Wir haben eine fehlerhafte Charge Zelte gefunden (Seriennummern Z3-*). Betroffen? {_BERG_SITE}/rueckruf",
        "Noch ein Update zur Zelt-Charge: die Ersatzzelte gehen nächste Woche raus. Danke für eure Geduld.",
    ),
    texts={
        "positive": (
            "Die Jacke ist super, bei jedem Wetter trocken geblieben!",
            "Toller Kundenservice, alles schnell gelöst. Danke!",
            "Der Rucksack ist perfekt für lange Touren, absolut empfehlenswert.",
            "Die Schuhe sind bequem und richtig gut verarbeitet.",
            "Schnelle Lieferung und super freundlicher Support, vielen Dank!",
            "Bin total begeistert vom neuen Zelt, großartig!",
        ),
        "neutral": (
            "Bestellt, kommt am Donnerstag.", "Ich nutze den Rucksack hauptsächlich zum Pendeln.",
            "Habe euren Stand letztes Jahr auf der Messe gesehen.", "Bei mir passt Größe 42.",
            "Morgen hole ich die Bestellung in München ab.",
        ),
        "question": (
            "Wie imprägniere ich die Jacke richtig?", "Passt der neue Gurt auch an das alte Modell?",
            "Wie lange ist die Garantie auf das Zelt?", "Liefert ihr auch in die Schweiz?",
            "Kann ich die Schuhe im Laden anprobieren?", "Gibt es eine Anleitung für den Zeltaufbau?",
        ),
        "negative": (
            "Meine Bestellung ist seit zwei Wochen überfällig und niemand antwortet auf meine Mails.",
            "Zum dritten Mal: wo bleibt meine Rückerstattung?",
            "Der Reißverschluss ist nach einem Monat kaputt. Sehr enttäuschend.",
            "Der Support hat mein Ticket geschlossen, ohne etwas zu lösen. Schlecht.",
            "Schlechte Erfahrung, die Naht ist gerissen und keiner hilft mir.",
        ),
    },
    incident_complaints=(
        "Mein Zelt kam kaputt an. Das ist inakzeptabel!",
        "Immer noch keine Lieferung nach zehn Tagen. Schlechtester Service überhaupt.",
        "Jacke undicht und der Kundenservice ignoriert mich. Nie wieder Bergwerk.",
        "Geld zurück bitte. Zwei kaputte Zelte hintereinander, mir reicht es.",
        "Schon wieder Verspätung?! Ich habe für Expressversand bezahlt.",
        "Stinksauer. Das Ersatzzelt ist auch kaputt.",
    ),
    brand_answers={
        "question": (f"Danke für die Frage! Hier ist unsere Anleitung: {_BERG_SITE}/hilfe?thema=impraegnieren",
                     "Ja, passt! Alle Gurte der T-Serie passen.",
                     "Gute Frage. Wir haben dir die Details per DM geschickt."),
        "negative": ("Das tut uns wirklich leid. Schick uns bitte deine Bestellnummer, wir kümmern uns heute darum.",
                     "So sollte es nicht sein. Unser Team meldet sich innerhalb von 24 Stunden.",
                     "Sorry für die Wartezeit! Ein Ersatz ist unterwegs."),
    },
    incident_answer=f"Es tut uns leid, diese Charge hat einen Fehler. Du bekommst kostenlos Ersatz: "
                    f"{_BERG_SITE}/rueckruf",
    other_languages={"en": {
        "positive": ("Took the T40 across the Alps, brilliant pack!", "Great jacket, warm and light."),
        "neutral": ("Ordered the tent, arriving next week.", "Hiking in Bavaria this summer."),
        "question": ("Do you ship to the UK?", "Is the tent big enough for three people?"),
        "negative": ("The zip broke on the first trip. Not impressed.", "Still waiting for my refund."),
    }},
    extra_tags=("#wandern", "#outdoor", "#camping"), flourishes=("", "", "", " :)", " 🏔", " 🙏"),
    blog_path="/blog/pflege?utm_source=fedi", no_language_share=0.35, crisis_scale=3,
)
