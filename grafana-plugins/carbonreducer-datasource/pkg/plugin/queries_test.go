package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

const bearer = "Bearer user-token"

var tr = backend.TimeRange{From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}

func query(t *testing.T, ds *Datasource, auth string, qs ...map[string]any) *backend.QueryDataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{Headers: map[string]string{}}
	if auth != "" {
		req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, auth)
	}
	for i, q := range qs {
		raw, _ := json.Marshal(q)
		req.Queries = append(req.Queries, backend.DataQuery{RefID: string(rune('A' + i)), JSON: raw, TimeRange: tr})
	}
	res, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	return res
}

func field(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	fl, idx := f.FieldByName(name)
	if idx < 0 {
		t.Fatalf("frame %s has no field %s", f.Name, name)
	}
	return fl
}

func TestPlanQueryGivesRunsInKgAndSlotsWithUnits(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/optimize/homes/sim-001/plan": serveJSON(200, fixture(t, "plan")),
	})
	res := query(t, newDS(t, api.URL, true), bearer, map[string]any{"queryType": "plan", "homeId": "sim-001"})
	r := res.Responses["A"]
	if r.Error != nil {
		t.Fatalf("error: %v", r.Error)
	}
	if len(r.Frames) != 2 || r.Frames[0].Name != "plan_runs" || r.Frames[1].Name != "plan_slots" {
		t.Fatalf("frames: %v", r.Frames)
	}
	runs := r.Frames[0]
	if got := field(t, runs, "avoided").At(0).(float64); got != 0.21 {
		t.Errorf("avoided = %v kg, want 0.21", got)
	}
	if u := field(t, runs, "avoided").Config.Unit; u != UnitMassKg {
		t.Errorf("avoided unit %q", u)
	}
	if u := field(t, runs, "power").Config.Unit; u != UnitPowerW {
		t.Errorf("power unit %q", u)
	}
	if u := field(t, runs, "energy").Config.Unit; u != UnitEnergyWh {
		t.Errorf("energy unit %q", u)
	}
	if got := field(t, runs, "startAt").At(0).(time.Time); !got.Equal(time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("startAt %v", got)
	}
	if runs.Meta.Custom.(map[string]any)["expectedAvoidedKg"] != 0.21 {
		t.Errorf("meta %v", runs.Meta.Custom)
	}
	if r.Frames[1].Rows() != 2 {
		t.Errorf("slots rows %d", r.Frames[1].Rows())
	}
	req, _ := api.last()
	if req.Header.Get("Authorization") != bearer {
		t.Errorf("the user's token was not passed: %q", req.Header.Get("Authorization"))
	}
}

func TestIntensityQueryKeepsBandModelAndIssueTime(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/predict/intensity/GB": serveJSON(200, fixture(t, "intensity")),
	})
	res := query(t, newDS(t, api.URL, true), bearer, map[string]any{"queryType": "intensity", "hours": 24})
	r := res.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if f.Name != "intensity_forecast" {
		t.Fatalf("name %s", f.Name)
	}
	if field(t, f, "intensity").Config.Unit != UnitIntensity || field(t, f, "upper").Config.Unit != UnitIntensity {
		t.Errorf("units not set")
	}
	if v := field(t, f, "lower").At(0).(*float64); v == nil || *v != 160 {
		t.Errorf("lower[0] %v", v)
	}
	if v := field(t, f, "lower").At(1).(*float64); v != nil {
		t.Errorf("lower[1] should be null, is %v", *v)
	}
	meta := f.Meta.Custom.(map[string]any)
	if meta["modelVersion"] != "intensity-v7" || meta["issuedAt"] != "2026-12-03T05:30:00.000Z" {
		t.Errorf("meta %v", meta)
	}
	req, _ := api.last()
	if req.URL.Query().Get("hours") != "24" {
		t.Errorf("hours %q", req.URL.RawQuery)
	}
}

func TestForecastAccuracyQueryGivesForecastActualAndErrorOverTheRange(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/predict/intensity/GB/accuracy": serveJSON(200, fixture(t, "accuracy")),
	})
	res := query(t, newDS(t, api.URL, true), bearer, map[string]any{"queryType": "forecastAccuracy", "horizon": "24h"})
	r := res.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if f.Name != "forecast_accuracy" || f.Rows() != 3 {
		t.Fatalf("frame %s with %d rows", f.Name, f.Rows())
	}
	for _, name := range []string{"forecast", "actual", "absError"} {
		if field(t, f, name).Config.Unit != UnitIntensity {
			t.Errorf("%s: unit %q", name, field(t, f, name).Config.Unit)
		}
	}
	if v := field(t, f, "absError").At(1).(*float64); v == nil || *v != 20 {
		t.Errorf("absError[1] %v", v)
	}
	if v := field(t, f, "forecast").At(2).(*float64); v != nil {
		t.Errorf("forecast[2] should be null (none issued that early), is %v", *v)
	}
	if meta := f.Meta.Custom.(map[string]any); *(meta["maeGPerKWh"].(*float64)) != 15 || meta["horizon"] != "24h" {
		t.Errorf("meta %v", meta)
	}
	req, _ := api.last()
	if q := req.URL.Query(); q.Get("horizon") != "24h" || q.Get("from") == "" || q.Get("to") == "" {
		t.Errorf("query %q", req.URL.RawQuery)
	}
}

func TestTelemetryLoadAndSavingsQueries(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/data/homes/sim-001/readings": serveJSON(200, fixture(t, "readings")),
		"GET /api/predict/homes/sim-001/load":  serveJSON(200, fixture(t, "load")),
		"GET /api/reports/homes/sim-001":       serveJSON(200, fixture(t, "report")),
	})
	ds := newDS(t, api.URL, true)
	res := query(t, ds, bearer,
		map[string]any{"queryType": "telemetry", "homeId": "sim-001", "every": "15m", "deviceId": "dishwasher-1"},
		map[string]any{"queryType": "loadForecast", "homeId": "sim-001"},
		map[string]any{"queryType": "savings", "homeId": "sim-001", "period": "day"},
	)
	for ref, r := range res.Responses {
		if r.Error != nil {
			t.Fatalf("%s: %v", ref, r.Error)
		}
	}
	tel := res.Responses["A"].Frames[0]
	v := field(t, tel, "value")
	if v.Config.Unit != UnitPowerW || v.Labels["deviceId"] != "dishwasher-1" || v.At(1).(float64) != 1460 {
		t.Errorf("telemetry %v %v", v.Config, v.Labels)
	}
	load := res.Responses["B"].Frames[0]
	if load.Name != "load_forecast" || field(t, load, "power").Config.Unit != UnitPowerW {
		t.Errorf("load frame %v", load.Name)
	}
	sav := res.Responses["C"].Frames[0]
	if field(t, sav, "verifiedAvoided").At(0).(*float64) != nil || *field(t, sav, "verifiedAvoided").At(1).(*float64) != 0.29 {
		t.Errorf("verified avoided")
	}
	if field(t, sav, "expectedAvoided").Config.Unit != UnitMassKg {
		t.Errorf("savings unit")
	}
	// the time range reaches the API
	for _, req := range api.requests {
		if req.URL.Path == "/api/reports/homes/sim-001" && req.URL.Query().Get("from") != "2026-12-01T00:00:00Z" {
			t.Errorf("report from %q", req.URL.RawQuery)
		}
		if req.URL.Path == "/api/data/homes/sim-001/readings" && req.URL.Query().Get("deviceId") != "dishwasher-1" {
			t.Errorf("readings query %q", req.URL.RawQuery)
		}
	}
}

func TestAPIErrorsBecomeFrameErrorsWithTheAPIMessage(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/optimize/homes/sim-001/plan": serveJSON(503, []byte(`{"type":"about:blank","title":"Service Unavailable","status":503,"code":"dependency_unavailable","detail":"the optimizer did not answer"}`)),
	})
	res := query(t, newDS(t, api.URL, true), bearer,
		map[string]any{"queryType": "plan", "homeId": "sim-001"},
		map[string]any{"queryType": "plan", "homeId": "sim-002"},
	)
	a, b := res.Responses["A"], res.Responses["B"]
	if a.Status != backend.Status(503) || !strings.Contains(a.Error.Error(), "dependency_unavailable: the optimizer did not answer") {
		t.Errorf("A: %d %v", a.Status, a.Error)
	}
	if b.Status != backend.StatusNotFound || !strings.Contains(b.Error.Error(), "home_not_found") {
		t.Errorf("B: %d %v", b.Status, b.Error)
	}
	if a.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("source %v", a.ErrorSource)
	}
}

func TestLeaderboardQueryRanksPseudonymsForTheRangesMonth(t *testing.T) {
	api := newFakeAPI(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/leaderboard": serveJSON(200, fixture(t, "leaderboard")),
	})
	res := query(t, newDS(t, api.URL, true), bearer, map[string]any{"queryType": "leaderboard"})
	r := res.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if f.Name != "leaderboard" || f.Rows() != 3 {
		t.Fatalf("frame %s with %d rows", f.Name, f.Rows())
	}
	if h := field(t, f, "home").At(0).(string); h != "h-3f9a1c2e" {
		t.Errorf("home[0] %q", h)
	}
	if r := field(t, f, "rank").At(2).(int64); r != 3 {
		t.Errorf("rank[2] %d", r)
	}
	if a := field(t, f, "avoided"); a.Config.Unit != UnitMassKg || a.At(0).(float64) != 4.25 {
		t.Errorf("avoided %q %v", a.Config.Unit, a.At(0))
	}
	req, _ := api.last()
	// The month of the time range's end (tr ends 2026-12-03).
	if m := req.URL.Query().Get("month"); m != "2026-12" {
		t.Errorf("month %q", m)
	}
	res = query(t, newDS(t, api.URL, true), bearer, map[string]any{"queryType": "leaderboard", "month": "2026-13"})
	if r := res.Responses["A"]; r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), `month "2026-13"`) {
		t.Errorf("bad month: %d %v", r.Status, r.Error)
	}
}

func TestBadQueriesAndNoToken(t *testing.T) {
	api := newFakeAPI(t, nil)
	ds := newDS(t, api.URL, true)
	res := query(t, ds, bearer,
		map[string]any{"queryType": "plan", "homeId": "../admin"},
		map[string]any{"queryType": "nope"},
		map[string]any{"queryType": "forecastAccuracy", "horizon": "3h"},
		map[string]any{"queryType": "intensity", "region": "gb; drop"},
	)
	if r := res.Responses["A"]; r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), `homeId "../admin"`) {
		t.Errorf("A %d %v", r.Status, r.Error)
	}
	if r := res.Responses["B"]; r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), "not one of") {
		t.Errorf("B %d %v", r.Status, r.Error)
	}
	if r := res.Responses["C"]; r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), `horizon "3h" is not one of`) {
		t.Errorf("C %d %v", r.Status, r.Error)
	}
	if r := res.Responses["D"]; r.Status != backend.StatusBadRequest {
		t.Errorf("D %d %v", r.Status, r.Error)
	}
	if len(api.requests) != 0 {
		t.Errorf("bad queries reached the API: %d requests", len(api.requests))
	}
	noToken := query(t, ds, "", map[string]any{"queryType": "plan", "homeId": "sim-001"})
	if r := noToken.Responses["A"]; r.Status != backend.StatusUnauthorized || !strings.Contains(r.Error.Error(), "oauthPassThru") {
		t.Errorf("no token: %d %v", r.Status, r.Error)
	}
}

func TestSettingsNeedAnAbsoluteURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8380", "ftp://x"} {
		if _, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{URL: u}); err == nil || !strings.Contains(err.Error(), "absolute http(s) URL") {
			t.Errorf("%q: %v", u, err)
		}
	}
}
