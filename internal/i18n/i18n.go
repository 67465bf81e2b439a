// Package i18n holds the message catalogs, one JSON file per language in locales/, and
// picks the language a person reads. Adding a language is adding one catalog file.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// Catalog is the loaded set of languages.
type Catalog struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	tags    []language.Tag
}

// Load reads every catalog in locales/. English is the source language: every other
// catalog must carry its keys (a test checks).
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(locales, f); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", path.Base(f), err)
		}
	}
	tags := b.LanguageTags()
	// English first so the matcher falls back to it.
	for i, t := range tags {
		if t == language.English {
			tags[0], tags[i] = tags[i], tags[0]
		}
	}
	return &Catalog{bundle: b, matcher: language.NewMatcher(tags), tags: tags}, nil
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
// A "Count" in data also picks the plural form ("one", "other", …) of the language.
func (c *Catalog) T(lang, id string, data map[string]any) string {
	loc := goi18n.NewLocalizer(c.bundle, lang, "en")
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

// Keys returns the message ids of one language's catalog file, for completeness tests.
func Keys(lang string) ([]string, error) {
	b, err := locales.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys, nil
}
