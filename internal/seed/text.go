package seed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
)

// The words of generated complaints, in English and Spanish: a few sentences per kind
// of allegation, put together so that narratives differ and searches find some and not
// others. Names are common ones; none is anyone's in particular.

var openers = map[string][]string{
	"en": {"On the day this happened", "I am writing about what happened", "This is about my case",
		"I want to report what the officers did", "This happened to my family"},
	"es": {"El día que pasó esto", "Escribo sobre lo que pasó", "Esto es sobre mi caso",
		"Quiero contar lo que hicieron los oficiales", "Esto le pasó a mi familia"},
}

var places = map[string][]string{
	"en": {"at the county jail", "during a traffic stop", "at the courthouse", "outside my work", "at the booking desk", "near my home"},
	"es": {"en la cárcel del condado", "cuando me pararon manejando", "en la corte", "afuera de mi trabajo", "en la oficina de registro", "cerca de mi casa"},
}

var sentences = map[string]map[redress.Category][]string{
	"en": {
		"racial_profiling":             {"They stopped me only because of how I look.", "The deputy asked where I was really from."},
		"held_past_release":            {"They kept him two days after the judge let him go.", "I paid the bail but they did not release her."},
		"coercion":                     {"They told me to sign papers I could not read.", "The officer said it would be worse if I did not sign."},
		"no_interpreter":               {"Nobody explained anything in Spanish.", "I asked for an interpreter and they said no."},
		"denied_lawyer":                {"I asked for a lawyer many times.", "They did not let my lawyer see me."},
		"denied_phone_call":            {"They did not let me call my family.", "I waited three days for a phone call."},
		"denied_consular_notification": {"Nobody told my consulate.", "I asked them to call my consulate and they did not."},
		"force":                        {"The officer pushed me against the car.", "They twisted my arm and it still hurts."},
		"medical_neglect":              {"I needed my medicine and they did not give it.", "She was sick and nobody took her to a doctor."},
		"retaliation":                  {"After I complained they moved me to another cell.", "They said I would regret complaining."},
		"wrongful_detention":           {"They held me without any charge.", "They arrested the wrong person."},
		"privacy":                      {"They looked through my phone without asking.", "They told my employer about my case."},
		"property":                     {"They never gave back my documents.", "My money was missing from my bag."},
		"verbal_abuse":                 {"The officer yelled insults at us.", "They called us names in front of the children."},
		"other":                        {"Something else happened that I want to report.", "I do not know what rule they broke but it was wrong."},
	},
	"es": {
		"racial_profiling":             {"Me pararon solo por cómo me veo.", "El oficial me preguntó de dónde era de verdad."},
		"held_past_release":            {"Lo dejaron dos días más después de que el juez lo soltó.", "Pagué la fianza pero no la dejaron salir."},
		"coercion":                     {"Me dijeron que firmara papeles que no podía leer.", "El oficial dijo que sería peor si no firmaba."},
		"no_interpreter":               {"Nadie me explicó nada en español.", "Pedí un intérprete y me dijeron que no."},
		"denied_lawyer":                {"Pedí un abogado muchas veces.", "No dejaron que mi abogado me viera."},
		"denied_phone_call":            {"No me dejaron llamar a mi familia.", "Esperé tres días para hacer una llamada."},
		"denied_consular_notification": {"Nadie le avisó a mi consulado.", "Les pedí que llamaran a mi consulado y no lo hicieron."},
		"force":                        {"El oficial me empujó contra el carro.", "Me torcieron el brazo y todavía me duele."},
		"medical_neglect":              {"Necesitaba mi medicina y no me la dieron.", "Ella estaba enferma y nadie la llevó al doctor."},
		"retaliation":                  {"Después de quejarme me cambiaron de celda.", "Me dijeron que me iba a arrepentir de quejarme."},
		"wrongful_detention":           {"Me detuvieron sin ningún cargo.", "Arrestaron a la persona equivocada."},
		"privacy":                      {"Revisaron mi teléfono sin preguntar.", "Le contaron a mi patrón sobre mi caso."},
		"property":                     {"Nunca me devolvieron mis documentos.", "Faltaba dinero en mi bolsa."},
		"verbal_abuse":                 {"El oficial nos gritó insultos.", "Nos insultaron enfrente de los niños."},
		"other":                        {"Pasó otra cosa que quiero reportar.", "No sé qué regla rompieron pero estuvo mal."},
	},
}

var firstNames = []string{"María", "José", "Ana", "Luis", "Carmen", "Juan", "Rosa", "Carlos", "Guadalupe", "Miguel",
	"James", "Mary", "Robert", "Patricia", "David", "Linda", "Sofía", "Mateo", "Valentina", "Santiago"}

var lastNames = []string{"García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
	"Ramírez", "Torres", "Flores", "Rivera", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller"}

var unknownAgencies = map[string][]string{
	"en": {"", "the sheriff", "county jail", "city police", "I don't know which office"},
	"es": {"", "el sheriff", "la cárcel del condado", "la policía de la ciudad", "no sé qué oficina"},
}

// describe writes the complainant's account: narrative, place, officers and witnesses.
func (k *kase) describe(cats []redress.Category) {
	g, c := k.g, &k.c
	lang := c.Language
	var b strings.Builder
	b.WriteString(pick(g.rng, openers[lang]))
	b.WriteString(", ")
	b.WriteString(pick(g.rng, places[lang]))
	b.WriteString(". ")
	for _, cat := range cats {
		ss := sentences[lang][cat]
		b.WriteString(ss[g.rng.IntN(len(ss))])
		b.WriteString(" ")
		if g.rng.Float64() < 0.4 {
			b.WriteString(ss[g.rng.IntN(len(ss))])
			b.WriteString(" ")
		}
	}
	c.Narrative = strings.TrimSpace(b.String())
	c.Place = pick(g.rng, places[lang])
	if g.rng.Float64() < 0.5 {
		c.Officers = fmt.Sprintf("%s %s #%d", pick(g.rng, []string{"Deputy", "Officer", "Sgt."}), pick(g.rng, lastNames), 100+g.rng.IntN(900))
	}
	if g.rng.Float64() < 0.25 {
		c.Witnesses = pick(g.rng, firstNames) + " " + pick(g.rng, lastNames)
	}
}

// contact is who filed: a name, and an email, a phone or an address, or several.
func (g *generator) contact(lang string) redress.Contact {
	first, last := pick(g.rng, firstNames), pick(g.rng, lastNames)
	ct := redress.Contact{Name: first + " " + last}
	if g.rng.Float64() < 0.6 {
		ct.Email = asciiLower(first) + "." + asciiLower(last) + strconv.Itoa(g.rng.IntN(1000)) + "@example.com"
	}
	if g.rng.Float64() < 0.7 || ct.Email == "" {
		ct.Phone = fmt.Sprintf("(555) %03d-%04d", g.rng.IntN(1000), g.rng.IntN(10000))
	}
	if g.rng.Float64() < 0.3 {
		ct.Address = fmt.Sprintf("%d %s St", 100+g.rng.IntN(9900), pick(g.rng, lastNames))
	}
	return ct
}

func asciiLower(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "í", "i")
	return strings.ToLower(r.Replace(s))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// What staff and complainants write to each other, and staff's reasons.
var (
	questions = map[string][]string{
		"en": {"Can you tell us the date and time more exactly?", "Do you have any papers from the jail? Please send a photo.",
			"Can you tell us the name or number of the officer?"},
		"es": {"¿Nos puede decir la fecha y la hora con más detalle?", "¿Tiene papeles de la cárcel? Por favor mande una foto.",
			"¿Nos puede decir el nombre o número del oficial?"},
	}
	replies = map[string][]string{
		"en": {"It was around 10 at night, on a Friday.", "I have the release paper, I will send it.", "His badge said 4471."},
		"es": {"Fue como a las 10 de la noche, un viernes.", "Tengo el papel de salida, lo voy a mandar.", "Su placa decía 4471."},
	}
	notes = []string{"Requested booking records from the jail.", "Called the facility; waiting for video retention answer.",
		"Reviewed the detainer paperwork; dates do not match the release order.", "Spoke with the complainant's lawyer."}
	withdrawReasons = []string{"The complainant asked to withdraw the complaint.", "The complainant's lawyer asked us to stop."}
	adminReasons    = map[string][]string{
		"duplicate":            {"Same incident as an earlier complaint from the same person."},
		"outside_jurisdiction": {"The conduct was not under a 287(g) agreement."},
	}
	returnReasons   = []string{"Please check the jail records before deciding the force allegation.", "The findings need the interpreter log."}
	closureReasons  = map[string][]string{"not_enough_information": {"No reply after our questions; not enough to go on."}, "resolved_informally": {"The agency returned the property and apologized."}, "referred_out": {"The other office took the whole case."}}
	referralAnswers = []string{"We opened our own inquiry.", "No record of the stop was found.", "The officer was retrained."}
)
