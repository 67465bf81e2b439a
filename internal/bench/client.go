package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The few HTTP calls a client makes; every answer is read to its end, as a browser would.

func (r *runner) do(req *http.Request) (int, []byte, *http.Response, error) {
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp, err
}

func (r *runner) get(ctx context.Context, path string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.o.URL+path, nil)
	if err != nil {
		return "", 0, err
	}
	code, body, _, err := r.do(req)
	return string(body), code, err
}

func (r *runner) getJSON(ctx context.Context, path string, v any) error {
	body, code, err := r.get(ctx, path)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, code)
	}
	return json.Unmarshal([]byte(body), v)
}

func (r *runner) postJSON(ctx context.Context, path string, v any) (int, []byte, error) {
	b, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.URL+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	code, body, _, err := r.do(req)
	return code, body, err
}

func (r *runner) postForm(ctx context.Context, path string, form url.Values) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.o.URL)
	code, _, resp, err := r.do(req)
	if err != nil {
		return code, "", err
	}
	return code, resp.Header.Get("Location"), nil
}
