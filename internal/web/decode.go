package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/redress"
)

// decodeJSON reads a JSON body into v, refusing in turn: a wrong content type (415), a
// body over the limit (413), bytes that are not UTF-8 or not JSON (400), JSON that
// encoding/json would read other than as written (400, see strictJSON), and fields that
// are unknown or of the wrong type (422, naming the field). Unknown fields are refused so
// a misspelt field is not silently dropped from someone's complaint.
//
// It returns the body it read, so a caller can still find the language to answer in.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	if !isJSON(r) {
		return nil, errContentType
	}
	body, err := io.ReadAll(r.Body) // limited by withBodyLimit
	return body, decodeBody(body, err, v)
}

func decodeBody(body []byte, err error, v any) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, key: "error.too_large",
			data: map[string]any{"Limit": mbe.Limit}}
	} else if err != nil {
		return &apiError{status: http.StatusBadRequest, key: "error.bad_json",
			data: map[string]any{"Detail": "the body could not be read"}}
	}
	if !utf8.Valid(body) {
		return badJSON("it is not valid UTF-8 text")
	}
	if err := strictJSON(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return badJSON("there is more after the JSON value")
		}
		return nil
	case errors.Is(err, io.EOF):
		return badJSON("the body is empty")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("the JSON is not well formed")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badJSON("the body must be a JSON object")
		}
		return fieldErr(field, "wrong_type")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErr(field, "unknown_field")
	default:
		// Errors from a field's own UnmarshalText (a date, say) land here.
		return badJSON("a value could not be read")
	}
}

func badJSON(detail string) error {
	return &apiError{status: http.StatusBadRequest, key: "error.bad_json", data: map[string]any{"Detail": detail}}
}

func fieldErr(field, rule string) error {
	var fe redress.FieldErrors
	fe.Add(field, rule)
	return fe.Err()
}

// strictJSON refuses, before decoding, what encoding/json would otherwise accept
// quietly and read other than as written: a key that names a field of t only when case
// is ignored ("Narrative"), a key twice in one object at any depth (the last would win
// unseen), and an escaped half of a surrogate pair (it would become U+FFFD). Each is
// more likely a client's bug than a person's words, and storing a guess in someone's
// complaint is worse than asking the client to send it again.
//
// Bodies that are not well-formed JSON pass: the decoder reports them as before.
func strictJSON(body []byte, t reflect.Type) error {
	if esc, ok := loneSurrogate(body); ok {
		return &apiError{status: http.StatusBadRequest, key: "error.json_lone_surrogate", data: map[string]any{"Escape": esc}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var se *strictError
	if err := strictValue(dec, t); errors.As(err, &se) {
		return se.err
	}
	return nil
}

// strictError carries strictJSON's refusal through the walk, apart from the
// decoder's own errors, which strictJSON leaves to the decoder.
type strictError struct{ err error }

func (e *strictError) Error() string { return e.err.Error() }

// strictValue reads one value from dec. t is the Go type the value will be decoded
// into, or nil where that is not known (a map of anything, a type that reads itself).
func strictValue(dec *json.Decoder, t reflect.Type) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	t = plainType(t)
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := strictValue(dec, elem); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t, nil)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			if seen[key] {
				return &strictError{&apiError{status: http.StatusBadRequest, key: "error.json_duplicate_key",
					data: map[string]any{"Key": shortKey(key)}}}
			}
			seen[key] = true
			vt := elem
			if fields != nil {
				var exact bool
				if vt, exact = fields[key]; !exact {
					if name, ok := foldMatch(fields, key); ok {
						return &strictError{&apiError{status: http.StatusBadRequest, key: "error.json_key_case",
							data: map[string]any{"Key": shortKey(key), "Field": name}}}
					}
				}
			}
			if err := strictValue(dec, vt); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// plainType is t without pointers, or nil when values of t read themselves.
func plainType(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
			t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

// jsonFields maps the JSON names of struct t's fields to their types, as encoding/json
// names them (tags, "-", untagged embedded structs lifted into their parent).
func jsonFields(t reflect.Type, into map[string]reflect.Type) map[string]reflect.Type {
	if into == nil {
		into = map[string]reflect.Type{}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := plainType(f.Type); et != nil && et.Kind() == reflect.Struct {
				jsonFields(et, into)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := into[name]; !taken {
			into[name] = f.Type
		}
	}
	return into
}

// foldMatch finds the field key would reach by encoding/json's case-insensitive match.
func foldMatch(fields map[string]reflect.Type, key string) (string, bool) {
	for name := range fields {
		if strings.EqualFold(name, key) || foldName(name) == foldName(key) {
			return name, true
		}
	}
	return "", false
}

// foldName folds s as encoding/json does when it matches keys to fields.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToUpper(unicode.ToLower(r)))
		}
	}
	return b.String()
}

// shortKey keeps an echoed key short enough for a message.
func shortKey(key string) string {
	if utf8.RuneCountInString(key) > 40 {
		return string([]rune(key)[:40]) + "…"
	}
	return key
}

// loneSurrogate finds the first \uXXXX escape of one half of a surrogate pair without
// its other half. It treats every backslash as the start of an escape, which is right
// for any well-formed JSON (a backslash is only valid inside a string).
func loneSurrogate(body []byte) (string, bool) {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		i++ // the escaped character: a second backslash is not the start of another escape
		r, ok := hexEscape(body, i)
		if !ok {
			continue
		}
		esc := string(body[i-1 : i+5])
		i += 4
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+2 < len(body) && body[i+1] == '\\' {
				if low, ok := hexEscape(body, i+2); ok && low >= 0xDC00 && low < 0xE000 {
					i += 6
					continue
				}
			}
			return esc, true
		case r >= 0xDC00 && r < 0xE000:
			return esc, true
		}
	}
	return "", false
}

// hexEscape reads the code unit of a "uXXXX" escape starting at body[i].
func hexEscape(body []byte, i int) (rune, bool) {
	if i+5 > len(body) || body[i] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range body[i+1 : i+5] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
