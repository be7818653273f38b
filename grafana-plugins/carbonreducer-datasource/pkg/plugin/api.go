package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// idPattern is the contract's id rule (libs/telemetry ID_PATTERN): checked here too so a crafted id never changes the
// API path the request goes to.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
var regionPattern = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9-]{0,14}$`)
var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// apiClient calls the CarbonReducer API with the signed-in user's Authorization header.
type apiClient struct {
	base string
	http *http.Client
}

// APIError is a non-2xx answer of the API, with its problem+json code and detail when it sent one.
type APIError struct {
	Status int
	Code   string
	Title  string
	Detail string
	Path   string
}

func (e *APIError) Error() string {
	msg := e.Title
	if e.Detail != "" {
		msg = e.Detail
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Code != "" {
		return fmt.Sprintf("CarbonReducer API %d %s: %s", e.Status, e.Code, msg)
	}
	return fmt.Sprintf("CarbonReducer API %d: %s", e.Status, msg)
}

// ErrNoToken: the request carried no user token (oauthPassThru off, or no signed-in user, as in alerting).
var ErrNoToken = errors.New("no user token: turn on \"Forward OAuth identity\" (jsonData.oauthPassThru) and sign in through Keycloak")

func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, auth string, body io.Reader) (*http.Response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("CarbonReducer API at %s not reachable: %w", c.base, err)
	}
	return res, nil
}

// getJSON GETs path and decodes a 2xx body into out; other statuses become *APIError.
func (c *apiClient) getJSON(ctx context.Context, path string, query url.Values, auth string, out any) error {
	if auth == "" {
		return ErrNoToken
	}
	res, err := c.do(ctx, http.MethodGet, path, query, auth, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return problemOf(res.StatusCode, path, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("CarbonReducer API %s answered JSON this data source cannot read: %w", path, err)
	}
	return nil
}

func problemOf(status int, path string, raw []byte) *APIError {
	e := &APIError{Status: status, Path: path}
	var p struct {
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(raw, &p) == nil {
		e.Code, e.Title, e.Detail = p.Code, p.Title, p.Detail
	}
	return e
}

func newAPIClient(base string) *apiClient {
	return &apiClient{base: base, http: &http.Client{Timeout: 30 * time.Second}}
}
