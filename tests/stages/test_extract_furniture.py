"""Issue 21, rule by rule: each furniture rule matches its class in the forms pages use, and
leaves alone the prose that merely resembles it (so a rule is a class's signature, not one
page's). The class corpus (test_extract_classes.py) checks the same rules on whole pages."""

from __future__ import annotations

import pytest

from pipeline.models import Block
from pipeline.stages.extract import extract
from pipeline.stages.extract.byline import split_byline
from pipeline.stages.extract.core import drop_bio_tail
from pipeline.stages.extract.lines import family_of, strip_credits

BODY = [
    "Die Stadtbibliothek von Neustadt zieht im Herbst in das ehemalige Postgebäude am Bahnhof. "
    "Der Stadtrat hat den Umzug am Montagabend ohne Gegenstimmen beschlossen.",
    "Im alten Gebäude an der Kirchgasse fehlt seit Jahren Platz für Lesesäle und Gruppenräume. "
    "Ein Gutachten hatte zudem Schäden am Dach und an den Leitungen festgestellt.",
    "Das Postgebäude wird für rund vier Millionen Euro umgebaut. Im Erdgeschoss entstehen ein Café "
    "und eine Kinderbibliothek, im ersten Stock ruhige Arbeitsplätze.",
    "Während der Umbauzeit bleibt die Bibliothek an der Kirchgasse geöffnet. Bücher können wie gewohnt "
    "ausgeliehen und zurückgegeben werden.",
]


def page(middle: str = "", end: str = "", top: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY[:2]) + middle + "".join(f"<p>{p}</p>" for p in BODY[2:])
    return ('<html lang="de"><head><meta charset="utf-8"><title>Bibliothek zieht um</title></head><body><article>'
            f"<h1>Bibliothek zieht um</h1>{top}{paragraphs}{end}</article></body></html>")


def heard(html: str) -> str:
    return extract(html).text()


@pytest.mark.parametrize("line", ["Di, 10:19 Uhr", "Mittwoch, 08:45 Uhr", "Heute, 9.30 Uhr", "Fr., 28.11.2025, 10:19",
                                  "vor 2 Stunden", "Passwort vergessen?", "Jetzt kostenlos registrieren",
                                  "Noch kein Konto? Hier registrieren", "Alle akzeptieren",
                                  "Wir verwenden Cookies, um Inhalte zu personalisieren.",
                                  "Fotos sind ggf. beispielhafte Symbolbilder.",
                                  "Die Bilder in diesem Artikel sind Symbolbilder.",
                                  "Dieser Artikel wurde im Ippen-Redaktionsnetzwerk erstellt.",
                                  "*fr.de ist ein Angebot von IPPEN.MEDIA.",
                                  "Anzeige: Jetzt Tarife vergleichen"])
def test_furniture_lines_are_boilerplate(line: str) -> None:
    assert family_of(line) is not None


@pytest.mark.parametrize("prose", [
    "Gegenüber dem Redaktionsnetzwerk Deutschland sagte Miersch, das sei zynisch.",
    "Am Dienstag um 10:19 Uhr ging der Notruf bei der Feuerwehr ein.",
    "Die Polizei zeigte ein Symbolbild des gesuchten Wagens, die Ermittlungen dauern an.",
    "Die Stadt will ihre Anzeige gegen den Bauherrn zurückziehen, sagte der Bürgermeister.",
    "Wer sein Passwort vergessen hat, muss künftig persönlich ins Bürgerbüro kommen.",
])
def test_prose_that_names_the_furniture_stays(prose: str) -> None:
    assert family_of(prose) is None


@pytest.mark.parametrize(("written", "spoken"), [
    ("Die Bibliothek zieht um. © Stadt Neustadt", "Die Bibliothek zieht um."),
    ("Die Bibliothek zieht um (© dpa).", "Die Bibliothek zieht um."),
    ("Die Bibliothek zieht um. Foto © Max Beispiel", "Die Bibliothek zieht um."),
    ("Schäden am Dach festgestellt.[2] Der Umbau beginnt.", "Schäden am Dach festgestellt. Der Umbau beginnt."),
    # A bracketed number that is no footnote marker, a sign of copyright in prose.
    ("Die Liste [2 Seiten] liegt vor.", "Die Liste [2 Seiten] liegt vor."),
])
def test_copyright_credits_and_footnote_markers_leave_the_sentence(written: str, spoken: str) -> None:
    assert strip_credits(written) == spoken


@pytest.mark.parametrize(("lead", "text", "author"), [
    ("Von Max Mustermann Berlin – Die Regierung will das Gesetz noch vor der Sommerpause beschließen.",
     "Die Regierung will das Gesetz noch vor der Sommerpause beschließen.", "Max Mustermann"),
    ("Von Anna Beispiel, Neustadt - Der Stadtrat hat den Umzug der Bibliothek beschlossen.",
     "Der Stadtrat hat den Umzug der Bibliothek beschlossen.", "Anna Beispiel"),
    ("Von Anna Beispiel und Max Muster – Die Bibliothek zieht im Herbst an den Bahnhof.",
     "Die Bibliothek zieht im Herbst an den Bahnhof.", "Anna Beispiel und Max Muster"),
    # "Von" opening a sentence is no byline.
    ("Von Montag an bleibt die Brücke für zwei Wochen gesperrt, teilte die Stadt mit.",
     "Von Montag an bleibt die Brücke für zwei Wochen gesperrt, teilte die Stadt mit.", ""),
])
def test_a_byline_glued_to_the_lead_is_recorded_not_spoken(lead: str, text: str, author: str) -> None:
    assert split_byline(lead) == (text, author)


def test_a_glued_byline_becomes_the_articles_author() -> None:
    top = ('<p class="intro"><strong>Von Max Mustermann</strong> Berlin – Die Bundesregierung will das Gesetz '
           "noch vor der Sommerpause im Kabinett beschließen.</p>")
    article = extract(page(top=top))
    assert article.author == "Max Mustermann"
    assert article.lead.startswith("Die Bundesregierung will")
    assert "Von Max Mustermann" not in article.text()


def test_an_author_box_at_the_end_goes_but_a_story_about_a_reporter_stays() -> None:
    bio = Block("paragraph", "Anna Beispiel ist Redakteurin im Politikressort und schreibt über Landespolitik.")
    story = Block("paragraph", "Evan Beispiel ist Reporter einer US-Zeitung und sitzt seit März in Haft, "
                               "sein Prozess beginnt im Juni.")
    blocks = [Block("paragraph", t) for t in BODY]
    assert drop_bio_tail([*blocks, bio]) == (blocks, 1)
    assert drop_bio_tail([*blocks, story]) == ([*blocks, story], 0)


def test_a_footnote_superscript_goes_and_a_unit_superscript_stays() -> None:
    middle = ('<p>Die Lesesäle messen 400 m<sup>2</sup> und sind hell<sup><a href="#fn1">1</a></sup>. Auch ein '
              "Garten gehört dazu, er liegt hinter dem Gebäude am Fluss.</p>")
    end = '<ol class="footnotes"><li id="fn1">Angaben der Stadtverwaltung Neustadt, Stand März.</li></ol>'
    text = heard(page(middle=middle, end=end))
    assert "400 m2 und sind hell." in text
    assert "Angaben der Stadtverwaltung" not in text


def test_consent_login_and_donation_boxes_go_whatever_they_are_called() -> None:
    middle = ('<section class="x1"><p>Wir nutzen Cookies für Statistik und Werbung.</p>'
              '<a href="#">Zustimmen und weiter</a></section>'
              '<div class="x2"><label>Passwort</label><input type="password"><button>Weiter</button></div>'
              '<div class="x3"><p>Gute Recherche braucht Zeit und Geld.</p>'
              "<button>Jetzt einmalig spenden</button></div>")
    text = heard(page(middle=middle))
    for gone in ("Cookies", "Zustimmen", "Passwort", "Recherche braucht", "spenden"):
        assert gone not in text
    assert all(p[:40] in text for p in BODY)


def test_teaser_cards_at_the_end_go_and_linked_subheadings_in_the_body_stay() -> None:
    cards = "".join(f'<li><a href="/artikel/{i}"><h3>Andere Meldung Nummer {i}</h3></a><p>Kurz dazu, Teil {i}.</p></li>'
                    for i in range(3))
    middle = '<h2><a href="#garten">Ein Garten am Fluss</a></h2>'
    text = heard(page(middle=middle, end=f"<ul>{cards}</ul>"))
    assert "Andere Meldung" not in text and "Kurz dazu" not in text
    assert "Ein Garten am Fluss" in text


def test_an_ad_label_takes_its_offer_but_not_the_article_around_it() -> None:
    middle = "<span>Anzeige</span>"
    text = heard(page(middle=middle))
    assert "Anzeige" not in text
    assert all(p[:40] in text for p in BODY)


def test_a_paragraph_that_is_one_link_is_read_a_headline_link_is_not() -> None:
    linked = ('<p><a href="https://neustadt.example/bericht">Den ganzen Bericht der Verwaltung zur Bibliothek hat '
              "die Stadt auf ihrer Internetseite veröffentlicht.</a></p>")
    teaser = '<p><a href="https://neustadt.example/freibad">Freibad öffnet früher als geplant am ersten Mai</a></p>'
    text = heard(page(middle=linked + teaser))
    assert "Den ganzen Bericht der Verwaltung" in text
    assert "Freibad" not in text
