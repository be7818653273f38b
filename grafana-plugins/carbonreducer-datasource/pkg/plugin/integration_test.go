//go:build integration

package plugin

// Integration tests: the data source against the real CarbonReducer API on the real stack with real Keycloak MFA
// tokens. integration/run.ts prepares them (users, membership, a forecast) and passes CR_IT_*; run it, not go test.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type itEnv struct {
	apiURL, homeowner, operator, own, other string
}

func integration(t *testing.T) itEnv {
	t.Helper()
	if why := os.Getenv("CR_IT_UNAVAILABLE"); why != "" {
		t.Fatalf("the real stack is not ready: %s", why)
	}
	e := itEnv{os.Getenv("CR_IT_API_URL"), os.Getenv("CR_IT_HOMEOWNER_TOKEN"), os.Getenv("CR_IT_OPERATOR_TOKEN"), os.Getenv("CR_IT_OWN_HOME"), os.Getenv("CR_IT_OTHER_HOME")}
	if e.apiURL == "" || e.homeowner == "" || e.own == "" || e.other == "" {
		t.Fatalf("CR_IT_* not set: run `npx tsx grafana-plugins/carbonreducer-datasource/integration/run.ts` (it prepares users, tokens and homes on the running stack), not go test -tags integration directly")
	}
	return e
}

func TestIntegrationHealthCheckAgainstTheRealAPI(t *testing.T) {
	e := integration(t)
	res, err := newDS(t, e.apiURL, true).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || res.Status != backend.HealthStatusOk {
		t.Fatalf("health: %v %v %q", err, res.Status, res.Message)
	}
}

func TestIntegrationEveryQueryTypeForTheHomeownersHome(t *testing.T) {
	e := integration(t)
	ds := newDS(t, e.apiURL, true)
	now := time.Now().UTC()
	req := &backend.QueryDataRequest{Headers: map[string]string{}}
	req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, "Bearer "+e.homeowner)
	// One hour back: a longer telemetry scan can exceed the API's InfluxDB timeout on a loaded machine (seen: 24 h).
	add := func(ref string, q map[string]any) {
		raw, _ := json.Marshal(q)
		req.Queries = append(req.Queries, backend.DataQuery{RefID: ref, JSON: raw, TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}})
	}
	// The run's own region (integration/setup.ts): its forecast is the one written there.
	add("intensity", map[string]any{"queryType": "intensity", "region": os.Getenv("CR_IT_REGION"), "hours": 12})
	add("plan", map[string]any{"queryType": "plan", "homeId": e.own})
	add("telemetry", map[string]any{"queryType": "telemetry", "homeId": e.own, "every": "15m"})
	add("savings", map[string]any{"queryType": "savings", "homeId": e.own, "period": "day"})
	add("load", map[string]any{"queryType": "loadForecast", "homeId": e.own, "hours": 12})
	add("accuracy", map[string]any{"queryType": "forecastAccuracy", "region": os.Getenv("CR_IT_ACCURACY_REGION"), "horizon": "1h"})
	add("leaderboard", map[string]any{"queryType": "leaderboard"})
	res, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"intensity", "plan", "telemetry", "savings", "leaderboard"} {
		if r := res.Responses[ref]; r.Error != nil {
			t.Errorf("%s: %v", ref, r.Error)
		}
	}
	in := res.Responses["intensity"]
	if len(in.Frames) != 1 || in.Frames[0].Name != "intensity_forecast" || in.Frames[0].Rows() == 0 {
		t.Fatalf("intensity frames: %v", in.Frames)
	}
	if f, _ := in.Frames[0].FieldByName("intensity"); f == nil || f.Config.Unit != UnitIntensity {
		t.Errorf("intensity unit")
	}
	// The 80 % band the forecast was written with (integration/setup.ts) reaches the frame.
	if lo, _ := in.Frames[0].FieldByName("lower"); lo == nil || lo.At(0).(*float64) == nil {
		t.Errorf("intensity forecast without its band")
	}
	if meta := in.Frames[0].Meta.Custom.(map[string]any); meta["issuedAt"] == "" || meta["modelVersion"] == "" {
		t.Errorf("intensity meta %v", meta)
	}
	if p := res.Responses["plan"]; len(p.Frames) != 2 || p.Frames[0].Name != "plan_runs" || p.Frames[1].Name != "plan_slots" {
		t.Errorf("plan frames: %v", p.Frames)
	}
	if s := res.Responses["savings"]; len(s.Frames) != 1 || s.Frames[0].Name != "savings" {
		t.Errorf("savings frames: %v", s.Frames)
	}
	// Pseudonyms only: no home of the leaderboard is a raw home id (homes that opted in, from every test run).
	if l := res.Responses["leaderboard"]; len(l.Frames) != 1 || l.Frames[0].Name != "leaderboard" {
		t.Errorf("leaderboard frames: %v", l.Frames)
	} else if h, _ := l.Frames[0].FieldByName("home"); h != nil {
		for i := 0; i < h.Len(); i++ {
			if name := h.At(i).(string); name == e.own || name == e.other {
				t.Errorf("leaderboard shows a raw home id: %s", name)
			}
		}
	}
	// A home without a load forecast answers the API's 404 as a frame error with the API's message.
	if l := res.Responses["load"]; l.Error != nil && (l.Status != 404 || !strings.Contains(l.Error.Error(), "no load forecast")) {
		t.Errorf("load: %d %v", l.Status, l.Error)
	}
	// The setup writes actuals and a forecast issued hours before them (integration/setup.ts): some slots are scored.
	if a := res.Responses["accuracy"]; a.Error != nil || len(a.Frames) != 1 || a.Frames[0].Name != "forecast_accuracy" {
		t.Errorf("accuracy: %d %v %v", a.Status, a.Error, a.Frames)
	} else if meta := a.Frames[0].Meta.Custom.(map[string]any); meta["scoredSlots"].(int) == 0 {
		t.Errorf("accuracy: no slot scored: %v", meta)
	}
}

func TestIntegrationAHomeownerCannotSeeAnotherHome(t *testing.T) {
	e := integration(t)
	ds := newDS(t, e.apiURL, true)
	req := &backend.QueryDataRequest{Headers: map[string]string{}}
	req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, "Bearer "+e.homeowner)
	for _, qt := range []string{"plan", "telemetry", "savings", "loadForecast"} {
		raw, _ := json.Marshal(map[string]any{"queryType": qt, "homeId": e.other})
		req.Queries = append(req.Queries, backend.DataQuery{RefID: qt, JSON: raw, TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}})
	}
	res, _ := ds.QueryData(context.Background(), req)
	for ref, r := range res.Responses {
		if r.Error == nil || r.Status != 404 {
			t.Errorf("%s of another home: %d %v (want the API's 404)", ref, r.Status, r.Error)
		}
	}
	for _, rr := range ResourceRoutes {
		if !strings.Contains(rr.Resource, "{homeId}") {
			continue
		}
		// A well-formed run id, so the call reaches the API and its home check (a malformed one stops at 400 here).
		path := strings.ReplaceAll(strings.ReplaceAll(rr.Resource, "{homeId}", e.other), "{requestId}", "ds-dw")
		body := ""
		if rr.Method != "GET" {
			body = "{}"
		}
		r := call(t, ds, rr.Method, path, path, body, "Bearer "+e.homeowner)
		// 404 (not 403) so a homeowner cannot tell which homes exist; a body check may answer 400 first.
		if r.Status != 404 && r.Status != 400 {
			t.Errorf("%s %s: %d %s", rr.Method, path, r.Status, r.Body)
		}
	}
	r := call(t, ds, "GET", "homes", "homes", "", "Bearer "+e.homeowner)
	if r.Status != 200 || strings.Contains(string(r.Body), e.other) || !strings.Contains(string(r.Body), e.own) {
		t.Errorf("homes as homeowner: %d %s", r.Status, r.Body)
	}
}

func TestIntegrationResourceRoutesExistInOpenAPI(t *testing.T) {
	e := integration(t)
	res, err := http.Get(e.apiURL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, rr := range ResourceRoutes {
		ops, ok := doc.Paths[rr.API]
		if !ok {
			t.Errorf("%s is not a path of the API", rr.API)
			continue
		}
		if _, ok := ops[strings.ToLower(rr.Method)]; !ok {
			t.Errorf("%s %s is not an operation of the API", rr.Method, rr.API)
		}
	}
}
