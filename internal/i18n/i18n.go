// Package i18n holds the message catalogs, one JSON file per language in locales/ (and
// one per area and language, AREA.LANG.json, where an area keeps its own words), and
// picks the language a person reads. Adding a language is adding one catalog file.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// Catalog is the loaded set of languages.
type Catalog struct {
	bundle *goi18n.Bundle
	// flat holds the catalogs of languages for which go-i18n knows no CLDR plural rule
	// (Haitian Creole, for one), which it refuses to load. Such a language does not
	// inflect for number as far as we know, so each message is its "other" form.
	flat    map[string]map[string]*goi18n.MessageTemplate
	matcher language.Matcher
	tags    []language.Tag
	// locs holds a localizer per loaded language, made once: making one parses its
	// language tags, which cost more than the message itself (BenchmarkRender).
	locs map[string]*goi18n.Localizer
}

// Load reads every catalog in locales/. English is the source language: every other
// catalog must carry its keys (a test checks).
func Load() (*Catalog, error) { return LoadWith(nil) }

// LoadWith reads the catalogs in locales/ and then the *.json catalogs at the top of
// extra (nil for none), so a test can add a language without building it in.
func LoadWith(extra fs.FS) (*Catalog, error) {
	c := &Catalog{bundle: goi18n.NewBundle(language.English), flat: map[string]map[string]*goi18n.MessageTemplate{}}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		return nil, err
	}
	for _, fsys := range []fs.FS{sub, extra} {
		if fsys == nil {
			continue
		}
		files, err := fs.Glob(fsys, "*.json")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := c.add(fsys, f); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", f, err)
			}
		}
	}
	tags := c.bundle.LanguageTags()
	for lang := range c.flat {
		tags = append(tags, language.Make(lang))
	}
	// English first so the matcher falls back to it; the rest in a stable order.
	slices.SortFunc(tags, func(a, b language.Tag) int {
		switch {
		case a == language.English:
			return -1
		case b == language.English:
			return 1
		}
		return strings.Compare(a.String(), b.String())
	})
	c.tags, c.matcher = tags, language.NewMatcher(tags)
	c.locs = map[string]*goi18n.Localizer{}
	for _, t := range tags {
		c.locs[t.String()] = goi18n.NewLocalizer(c.bundle, t.String(), "en")
	}
	return c, nil
}

// add loads one catalog file: into the bundle when go-i18n has a plural rule for its
// language, else into flat, so a new language never stops the server from starting.
func (c *Catalog) add(fsys fs.FS, name string) error {
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"json": json.Unmarshal})
	if err != nil {
		return err
	}
	if hasPluralRule(mf.Tag) {
		return c.bundle.AddMessages(mf.Tag, mf.Messages...)
	}
	base, _ := mf.Tag.Base()
	m := map[string]*goi18n.MessageTemplate{}
	for _, msg := range mf.Messages {
		if msg.Other == "" {
			return fmt.Errorf("message %q has no \"other\" form, the only one %s uses", msg.ID, base)
		}
		m[msg.ID] = goi18n.NewMessageTemplate(msg)
	}
	c.flat[base.String()] = m
	return nil
}

// hasPluralRule reports whether go-i18n knows tag's plural rule. It has no way to ask,
// or to register one, but adding no messages to a fresh bundle fails only for want of one.
func hasPluralRule(tag language.Tag) bool {
	return goi18n.NewBundle(language.English).AddMessages(tag) == nil
}

// Languages returns the base codes of the loaded catalogs, English first.
func (c *Catalog) Languages() []string {
	out := make([]string, len(c.tags))
	for i, t := range c.tags {
		base, _ := t.Base()
		out[i] = base.String()
	}
	return out
}

// Supported reports whether lang (a base code such as "es") has a catalog.
func (c *Catalog) Supported(lang string) bool {
	for _, l := range c.Languages() {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the best catalog for the given preferences, in order: each may be a
// language code ("es") or an Accept-Language header value. Unusable entries are skipped.
func (c *Catalog) Match(prefs ...string) string {
	for _, p := range prefs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		tags, _, err := language.ParseAcceptLanguage(p)
		if err != nil || len(tags) == 0 {
			continue
		}
		_, idx, conf := c.matcher.Match(tags...)
		if conf != language.No {
			base, _ := c.tags[idx].Base()
			return base.String()
		}
	}
	return "en"
}

// T returns the message id in lang, filled from data. A missing message falls back to
// English, and a missing English message to the id itself, so a gap shows as a key in
// the page instead of an error.
//
// A "Count" in data also picks the plural form ("one", "other", …) of the language; a
// language without a CLDR plural rule always takes "other".
func (c *Catalog) T(lang, id string, data map[string]any) string {
	if mt := c.flat[lang][id]; mt != nil {
		if s, err := mt.Execute("other", data, nil); err == nil {
			return s
		}
	}
	loc := c.locs[lang]
	if loc == nil { // a language not loaded falls back to English; not kept, so no caller can grow the map
		loc = goi18n.NewLocalizer(c.bundle, lang, "en")
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	return s
}

// Date writes a calendar day the way lang writes it ("July 18, 2025", "18 de julio de
// 2025"); the zero date is empty.
func (c *Catalog) Date(lang string, year int, month time.Month, day int) string {
	if year == 0 {
		return ""
	}
	return c.T(lang, "date.long", map[string]any{
		"Year": year, "Day": day, "Month": c.T(lang, fmt.Sprintf("month.%d", month), nil),
	})
}

// ShortDate writes a calendar day briefly, its month abbreviated ("Dec 4, 2026"), for
// the columns of staff tables.
func (c *Catalog) ShortDate(lang string, year int, month time.Month, day int) string {
	if year == 0 {
		return ""
	}
	return c.T(lang, "date.long", map[string]any{
		"Year": year, "Day": day, "Month": c.T(lang, fmt.Sprintf("month_short.%d", month), nil),
	})
}

// Keys returns the message ids of one language's catalog files, for completeness tests:
// locales/LANG.json and the files of one area of the product each (locales/AREA.LANG.json,
// oversight.es.json say), which go-i18n reads as LANG by their last name part.
func Keys(lang string) ([]string, error) {
	names, err := fs.Glob(locales, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	names = append([]string{"locales/" + lang + ".json"}, names...)
	var keys []string
	for _, name := range names {
		b, err := locales.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k := range m {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
