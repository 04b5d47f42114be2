package ai.chorus.core.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Guesses the language of a Europarl document from its most frequent function words — only to
 * label documents for the clustering report (docs/METHODS.md §9: 21 languages; cs/sk and da/sv are
 * approximate). Each stop word votes for the languages that list it; ties go to the first listed.
 */
final class LanguageGuess {
    private static final String[][] STOP_WORDS = {
        {"en", "the of and to in is that for it on this we be with are have"},
        {"de", "der die und das den zu ist nicht von wir ich mit für auf dem des eine sie auch"},
        {"fr", "le la les de des et est que une du pour dans nous qui pas sur au ce"},
        {"es", "el la los las de que y en del es para por una se con no lo"},
        {"it", "il di che la e per non della è un una dei delle le sono nel alla"},
        {"pt", "o a os as de que e do da em para não um uma dos é com no"},
        {"nl", "de het en van een is dat die in niet voor op te wij met zijn ook"},
        {"sv", "och att det som är en på för av med till inte den har vi om också"},
        {"da", "og at det er en til af for som på med vi ikke der den har også"},
        {"fi", "ja on että se ei myös ovat tämä mutta kuin joka olla tai mitä sen"},
        {"el", "και το να της την η του στην με για που τα των είναι ο"},
        {"pl", "i w na z że się nie do jest to o jak jako dla przez oraz"},
        {"cs", "a v se na že je to o s z pro do jako které by jsou také"},
        {"sk", "a v sa na že je to o s z pre do ako ktoré by sú aj"},
        {"sl", "in je da se v na za so ki z pri tudi to ne bi kot"},
        {"hu", "a az és hogy nem is egy ez csak meg van mint de el már"},
        {"et", "ja on et ei see ka kui mis oma selle ning aga nii meie"},
        {"lv", "un ir ka par uz no ar lai tas kas to arī nav mēs bet"},
        {"lt", "ir kad yra tai į su kaip bet o dėl mes ne taip iš būti"},
        {"ro", "și de la în că a este pe cu nu să o un care pentru din"},
        {"bg", "и на да за в е се че от не с това по са ще"},
    };
    private static final Map<String, List<Integer>> VOTES = new HashMap<>();
    private static final String[] LANGUAGES = new String[STOP_WORDS.length];

    static {
        for (int l = 0; l < STOP_WORDS.length; l++) {
            LANGUAGES[l] = STOP_WORDS[l][0];
            for (String w : STOP_WORDS[l][1].split(" ")) {
                VOTES.computeIfAbsent(w, x -> new ArrayList<>()).add(l);
            }
        }
    }

    private LanguageGuess() {}

    static String of(String text) {
        double[] score = new double[LANGUAGES.length];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{M}]+")) {
            List<Integer> langs = VOTES.get(word);
            if (langs != null) {
                for (int l : langs) {
                    score[l] += 1.0 / langs.size(); // a word shared by many languages says little
                }
            }
        }
        int best = 0;
        for (int l = 1; l < score.length; l++) {
            if (score[l] > score[best]) {
                best = l;
            }
        }
        return score[best] > 0 ? LANGUAGES[best] : "unknown";
    }
}
