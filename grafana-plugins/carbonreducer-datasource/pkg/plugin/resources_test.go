package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func call(t *testing.T, ds *Datasource, method, path, rawURL, body, auth string) *backend.CallResourceResponse {
	t.Helper()
	req := &backend.CallResourceRequest{Method: method, Path: path, URL: rawURL, Body: []byte(body), Headers: map[string][]string{}}
	if auth != "" {
		req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, auth)
	}
	c := &capture{}
	if err := ds.CallResource(context.Background(), req, c); err != nil {
		t.Fatalf("CallResource: %v", err)
	}
	return c.resp
}

func TestResourceRoutesPassBodyQueryTokenAndStatus(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /api/optimize/homes/sim-001/runs": serveJSON(201, []byte(`{"requestId":"r1","startAt":"2026-12-03T14:00:00Z","endAt":"2026-12-03T16:00:00Z","avoidedEmissionsG":200,"planVersion":4}`)),
		"GET /api/homes":                        serveJSON(200, fixture(t, "homes")),
		"PUT /api/homes/sim-001/preferences":    serveJSON(200, []byte(`{"ok":true}`)),
	})
	ds := newDS(t, api.URL, true)
	body := `{"idempotencyKey":"k1","deviceId":"dw","appliance":"dishwasher","durationMin":120,"powerW":1400,"readyBy":"2026-12-03T20:00:00Z"}`
	r := call(t, ds, "POST", "homes/sim-001/runs", "homes/sim-001/runs", body, bearer)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"planVersion":4`) {
		t.Fatalf("run: %d %s", r.Status, r.Body)
	}
	req, got := api.last()
	if req.Header.Get("Authorization") != bearer || got != body || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("passed %q %q %q", req.Header.Get("Authorization"), got, req.Header.Get("Content-Type"))
	}
	r = call(t, ds, "GET", "homes", "homes?x=1", "", bearer)
	if r.Status != 200 {
		t.Fatalf("homes %d", r.Status)
	}
	var homes struct{ Homes []struct{ HomeID string } }
	_ = json.Unmarshal(r.Body, &homes)
	if len(homes.Homes) != 1 {
		t.Errorf("homes %s", r.Body)
	}
	req, _ = api.last()
	if req.URL.RawQuery != "x=1" {
		t.Errorf("query %q", req.URL.RawQuery)
	}
	// the API's refusal reaches the app unchanged (a homeowner asking for another home gets its 404)
	r = call(t, ds, "GET", "homes/sim-002/plan", "", "", bearer)
	if r.Status != 404 || !strings.Contains(string(r.Body), "home_not_found") {
		t.Errorf("other home: %d %s", r.Status, r.Body)
	}
}

func TestResourceRoutesRefuseUnknownPathsMethodsBadIdsAndNoToken(t *testing.T) {
	api := newFakeAPI(t, nil)
	ds := newDS(t, api.URL, true)
	cases := []struct {
		method, path, auth string
		status             int
		code               string
	}{
		{"GET", "admin/secrets", bearer, 404, "not_found"},
		{"DELETE", "homes/sim-001/plan", bearer, 405, "method_not_allowed"},
		{"GET", "homes/..%2f..%2fmetrics/plan", bearer, 400, "validation_failed"},
		{"GET", "intensity/gb", bearer, 400, "validation_failed"},
		{"GET", "homes", "", 401, "unauthenticated"},
	}
	for _, c := range cases {
		r := call(t, ds, c.method, c.path, "", "", c.auth)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.code) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
		if ct := r.Headers["Content-Type"]; len(ct) == 0 || ct[0] != "application/problem+json" {
			t.Errorf("%s %s: content type %v", c.method, c.path, ct)
		}
	}
	if len(api.requests) != 0 {
		t.Errorf("refused calls reached the API: %d", len(api.requests))
	}
}

func TestCheckHealth(t *testing.T) {
	ok := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){"GET /healthz": serveJSON(200, fixture(t, "health"))})
	degraded := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /healthz": serveJSON(503, []byte(`{"status":"degraded","dependencies":{"temporal":{"ok":false,"error":"down"},"postgres":{"ok":true}}}`)),
	})
	notAPI := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){"GET /healthz": serveJSON(200, []byte(`<html>`))})
	cases := []struct {
		name     string
		ds       *Datasource
		status   backend.HealthStatus
		contains string
	}{
		{"ok", newDS(t, ok.URL, true), backend.HealthStatusOk, "CarbonReducer API ok"},
		{"passThru off", newDS(t, ok.URL, false), backend.HealthStatusError, "Forward OAuth identity"},
		{"degraded", newDS(t, degraded.URL, true), backend.HealthStatusError, "degraded: temporal not available"},
		{"not the API", newDS(t, notAPI.URL, true), backend.HealthStatusError, "is this the CarbonReducer API"},
		{"unreachable", newDS(t, "http://127.0.0.1:1", true), backend.HealthStatusError, "not reachable"},
	}
	for _, c := range cases {
		res, err := c.ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil || res.Status != c.status || !strings.Contains(res.Message, c.contains) {
			t.Errorf("%s: %v %v %q", c.name, err, res.Status, res.Message)
		}
	}
}
