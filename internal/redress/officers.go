package redress

import (
	"slices"
	"strings"
	"unicode"
)

// Officer keys: how the early warning (issue 15, point 6) tells that two complaints
// name the same officer. The complaint form's officers field is free text ("Oficial
// Ruiz, placa 4471", "Deputy J. Smith #221", "Sgt. Martínez #628; Officer Lee"), so
// each mention is read into keys that are compared within one agency only:
//
//   - by badge: a mention with a number after a badge word (badge, placa, número, no.,
//     #, shield, id) gives the badge key "b:<digits>", leading zeros dropped: "#0221"
//     and "badge 221" match, whatever name is written beside it;
//   - else by name: a mention with no badge gives the name key "n:<surname>", its last
//     word of two letters or more after case, accents (á→a, ñ→n, ü→u…), punctuation and
//     titles or ranks in English and Spanish (officer, deputy, sgt., oficial, agente,
//     sargento…) are taken away: "Deputy J. Smith" and "SMITH" both give "n:smith".
//
// Mentions are separated by ";", "/", "&", a new line, " and ", " y ", or a comma
// before another name ("Oficial Ruiz, placa 4471" is one mention: the part after the
// comma holds only the badge).
//
// Limits, on purpose: a badge is trusted over a name, so a mention with a badge does not
// match one that names the same officer without it (a badge is what tells two officers
// of one surname apart, and surnames repeat: Martínez, Smith); different officers of one
// agency who share a surname and are named without a badge share a key (the flag
// over-reports and the supervisor reads the cases); a surname written with and without
// the second Spanish surname ("Ruiz García" / "Ruiz") gives different keys; a number
// without a badge word before it ("Smith 221", a car number) is not a badge;
// misspellings are not matched. The keys are a lead for a supervisor, never a finding.

// MaxOfficerKeys bounds the keys one complaint gives, so a pasted list cannot swell the
// key table.
const MaxOfficerKeys = 12

// officerTitles are the titles and ranks (normalized: lower case, no accents, no dots)
// dropped from a name.
var officerTitles = map[string]bool{
	// English
	"officer": true, "ofc": true, "off": true, "ofcr": true, "deputy": true, "dep": true, "dty": true,
	"sheriff": true, "sheriffs": true, "undersheriff": true, "sgt": true, "sergeant": true, "sarge": true,
	"lt": true, "lieutenant": true, "capt": true, "cpt": true, "captain": true, "cpl": true, "corporal": true,
	"det": true, "detective": true, "agent": true, "trooper": true, "tpr": true, "chief": true, "major": true,
	"maj": true, "mr": true, "mrs": true, "ms": true, "miss": true, "correctional": true, "corrections": true,
	"correction": true, "co": true, "jailer": true, "guard": true, "patrolman": true, "patrol": true,
	"constable": true, "inspector": true, "commander": true, "cmdr": true, "supervisor": true, "special": true,
	"police": true, "deportation": true, "ice": true, "the": true, "unknown": true,
	// Spanish
	"oficial": true, "agente": true, "policia": true, "sargento": true, "sgto": true, "teniente": true,
	"tte": true, "capitan": true, "cap": true, "cabo": true, "comandante": true, "jefe": true, "guardia": true,
	"alguacil": true, "ayudante": true, "diputado": true, "sr": true, "sra": true, "srta": true,
	"senor": true, "senora": true, "senorita": true, "don": true, "dona": true, "carcelero": true,
	"custodio": true, "celador": true, "el": true, "la": true, "desconocido": true,
}

// badgeWords introduce a badge number (normalized).
var badgeWords = map[string]bool{
	"badge": true, "placa": true, "no": true, "nº": true, "n°": true, "num": true, "numero": true,
	"number": true, "nr": true, "shield": true, "id": true, "#": true,
}

// foldAccents takes the accents off the Latin letters Spanish and English use.
var foldAccents = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ñ", "n", "ç", "c", "ý", "y", "ÿ", "y",
)

// OfficerKeys reads the officers field into its keys, each once, in the order first
// met; none for a field that names nobody.
func OfficerKeys(officers string) []string {
	text := foldAccents.Replace(strings.ToLower(StripHiddenControls(officers)))
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) && len(keys) < MaxOfficerKeys {
			keys = append(keys, k)
		}
	}
	for _, mention := range splitMentions(text) {
		surname, badge := readMention(mention)
		switch {
		case badge != "":
			add("b:" + badge)
		case surname != "":
			add("n:" + surname)
		}
	}
	return keys
}

// splitMentions cuts the field into mentions, joining to the one before a comma part
// that holds only a badge ("Oficial Ruiz, placa 4471").
func splitMentions(text string) []string {
	for _, sep := range []string{"\n", ";", "/", "&", " and ", " y ", " e "} {
		text = strings.ReplaceAll(text, sep, "\x00")
	}
	var out []string
	for _, part := range strings.Split(text, "\x00") {
		pieces := strings.Split(part, ",")
		for i, piece := range pieces {
			if surname, badge := readMention(piece); i > 0 && surname == "" && badge != "" && len(out) > 0 {
				out[len(out)-1] += " " + piece
				continue
			}
			out = append(out, piece)
		}
	}
	return out
}

// readMention finds one mention's surname (its last word of two letters or more that
// is no title) and badge (the first number after a badge word).
func readMention(mention string) (surname, badge string) {
	// "#221", "no.221" and "placa:221" become separate words.
	mention = strings.NewReplacer("#", " # ", ".", " ", ":", " ", "º", "º ", "°", "° ").Replace(mention)
	words := strings.FieldsFunc(mention, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '#' || r == 'º' || r == '°' || r == '\'' || r == '-')
	})
	afterBadgeWord := false
	for _, w := range words {
		w = strings.Trim(w, "'-")
		switch {
		case w == "":
		case badgeWords[w]:
			afterBadgeWord = true
		case isDigits(w):
			if afterBadgeWord && badge == "" {
				badge = strings.TrimLeft(w, "0")
				if badge == "" {
					badge = "0"
				}
			}
			afterBadgeWord = false
		case officerTitles[w] || len([]rune(w)) < 2 || !isLetters(w):
			afterBadgeWord = false
		default:
			surname, afterBadgeWord = w, false
		}
	}
	return surname, badge
}

func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func isLetters(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '-' })
}

// OfficerKeyBadge gives the badge number of a badge key, or "" for a name key.
func OfficerKeyBadge(key string) string {
	b, _ := strings.CutPrefix(key, "b:")
	if b == key {
		return ""
	}
	return b
}

// OfficerKeyName gives the surname of a name key, or "" for a badge key.
func OfficerKeyName(key string) string {
	n, _ := strings.CutPrefix(key, "n:")
	if n == key {
		return ""
	}
	return n
}
