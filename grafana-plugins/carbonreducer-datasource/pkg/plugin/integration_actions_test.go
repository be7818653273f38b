//go:build integration

package plugin

// The console's actions through the data source's resource routes, against the real API and the home's optimizer
// workflow on this run's Temporal worker (integration/setup.ts starts both in the integration namespace): run
// requests, the Pareto curve from HiGHS, a point's pins, pin, cancel, start now, and the API's refusals reaching the
// app unchanged (status, problem+json, code).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type itOverride struct {
	PlanVersion int `json:"planVersion"`
	Runs        []struct {
		RequestID string     `json:"requestId"`
		Action    string     `json:"action"`
		Status    string     `json:"status"`
		StartAt   *time.Time `json:"startAt"`
		EndAt     *time.Time `json:"endAt"`
		Command   *struct {
			IdempotencyKey string `json:"idempotencyKey"`
			Status         string `json:"status"`
		} `json:"command"`
	} `json:"runs"`
}

type itPlan struct {
	Version *int `json:"version"`
	Runs    []struct {
		RequestID string    `json:"requestId"`
		StartAt   time.Time `json:"startAt"`
		EndAt     time.Time `json:"endAt"`
	} `json:"runs"`
	Requests []struct {
		RequestID string `json:"requestId"`
		Status    string `json:"status"`
		Pin       *struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		} `json:"pin"`
	} `json:"requests"`
}

type itProblem struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// resource calls one resource route as the homeowner, fails unless the status is want, and decodes the body into out.
func resource(t *testing.T, ds *Datasource, auth, method, url, body string, want int, out any) *backend.CallResourceResponse {
	t.Helper()
	path, _, _ := strings.Cut(url, "?")
	r := call(t, ds, method, path, url, body, auth)
	if r.Status != want {
		t.Fatalf("%s %s: %d %s (want %d)", method, url, r.Status, r.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, r.Body)
		}
	}
	return r
}

func TestIntegrationActionsThroughResourceRoutes(t *testing.T) {
	e := integration(t)
	ds := newDS(t, e.apiURL, true)
	auth := "Bearer " + e.homeowner
	home := "homes/" + e.own
	plan := func() itPlan {
		var p itPlan
		resource(t, ds, auth, "GET", home+"/plan", "", 200, &p)
		return p
	}
	runOf := func(p itPlan, id string) (time.Time, time.Time) {
		t.Helper()
		for _, r := range p.Runs {
			if r.RequestID == id {
				return r.StartAt, r.EndAt
			}
		}
		t.Fatalf("%s is not in plan v%v: %+v", id, p.Version, p.Runs)
		return time.Time{}, time.Time{}
	}
	requestOf := func(p itPlan, id string) (string, *struct{ From, To time.Time }) {
		for _, r := range p.Requests {
			if r.RequestID == id {
				if r.Pin == nil {
					return r.Status, nil
				}
				return r.Status, &struct{ From, To time.Time }{r.Pin.From, r.Pin.To}
			}
		}
		return "", nil
	}

	// A day and a half of choice: the cheap night and the clean early afternoon lie in every window.
	readyBy := time.Now().Add(40 * time.Hour).UTC().Format(time.RFC3339)
	cycles := map[string]int{"ds-dw": 120, "ds-wm": 90, "ds-td": 60}
	for _, id := range []string{"ds-dw", "ds-wm", "ds-td"} {
		appliance := map[string]string{"ds-dw": "dishwasher", "ds-wm": "washing_machine", "ds-td": "tumble_dryer"}[id]
		body := fmt.Sprintf(`{"idempotencyKey":%q,"deviceId":"%s-1","appliance":%q,"durationMin":%d,"powerW":1000,"readyBy":%q}`,
			id, id, appliance, cycles[id], readyBy)
		resource(t, ds, auth, "POST", home+"/runs", body, 201, nil)
	}

	// The Pareto curve: cost only is the dirty night, 2 per kg the clean afternoon at the day rate.
	var pareto struct {
		ChosenCo2PricePerKg float64 `json:"chosenCo2PricePerKg"`
		Tariff              struct {
			Currency string `json:"currency"`
		} `json:"tariff"`
		Points []struct {
			Co2PricePerKg float64 `json:"co2PricePerKg"`
			CostExpected  float64 `json:"costExpected"`
			KgCO2Expected float64 `json:"kgCO2Expected"`
			Runs          []struct {
				RequestID string `json:"requestId"`
				StartAt   string `json:"startAt"`
				EndAt     string `json:"endAt"`
			} `json:"runs"`
		} `json:"points"`
	}
	resource(t, ds, auth, "GET", home+"/pareto?co2PricesPerKg=0,2", "", 200, &pareto)
	prices := []float64{}
	for _, p := range pareto.Points {
		prices = append(prices, p.Co2PricePerKg)
	}
	want := []float64{0, 2}
	if !slices.Contains(want, pareto.ChosenCo2PricePerKg) {
		want = append(want, pareto.ChosenCo2PricePerKg)
	}
	slices.Sort(want)
	if !slices.Equal(prices, want) || pareto.Tariff.Currency != "GBP" {
		t.Fatalf("pareto prices %v (want %v), tariff %q", prices, want, pareto.Tariff.Currency)
	}
	cheapest, cleanest := pareto.Points[0], pareto.Points[len(pareto.Points)-1]
	if !(cleanest.KgCO2Expected < cheapest.KgCO2Expected && cleanest.CostExpected > cheapest.CostExpected) {
		t.Fatalf("no trade-off: cost only %.3f GBP %.3f kg, 2/kg %.3f GBP %.3f kg",
			cheapest.CostExpected, cheapest.KgCO2Expected, cleanest.CostExpected, cleanest.KgCO2Expected)
	}
	if len(cleanest.Runs) != 3 {
		t.Fatalf("the 2/kg point plans %d runs, want the 3 requested", len(cleanest.Runs))
	}

	// Apply the cleanest point: one change pins every run where the point has it.
	type pinJSON struct {
		RequestID string `json:"requestId"`
		From      string `json:"from"`
		To        string `json:"to"`
	}
	pins := []pinJSON{}
	for _, r := range cleanest.Runs {
		pins = append(pins, pinJSON{r.RequestID, r.StartAt, r.EndAt})
	}
	pinsBody, _ := json.Marshal(map[string]any{"idempotencyKey": "ds-pareto-" + e.own, "pins": pins})
	var applied itOverride
	resource(t, ds, auth, "POST", home+"/pins", string(pinsBody), 200, &applied)
	if len(applied.Runs) != 3 {
		t.Fatalf("pins answered %d runs", len(applied.Runs))
	}
	for _, r := range applied.Runs {
		if r.Action != "pin" || r.Status != "planned" {
			t.Errorf("pins: %s %s %s", r.RequestID, r.Action, r.Status)
		}
	}
	afterPins := plan()
	for _, p := range pins {
		from, _ := time.Parse(time.RFC3339, p.From)
		if _, pin := requestOf(afterPins, p.RequestID); pin == nil || !pin.From.Equal(from) {
			t.Errorf("%s: pin %+v, want from %s", p.RequestID, pin, p.From)
		}
	}

	// Pin the dishwasher to a 3 h window that does not hold its start: the plan moves it there.
	start, _ := runOf(afterPins, "ds-dw")
	from := time.Now().Add(time.Hour).Truncate(time.Minute).Add(time.Minute).UTC()
	if !start.Before(from.Add(-30*time.Minute)) && !start.After(from.Add(3*time.Hour)) {
		from = from.Add(5 * time.Hour)
	}
	to := from.Add(3 * time.Hour)
	var pinned itOverride
	resource(t, ds, auth, "POST", home+"/runs/ds-dw/pin",
		fmt.Sprintf(`{"from":%q,"to":%q}`, from.Format(time.RFC3339), to.Format(time.RFC3339)), 200, &pinned)
	if pinned.PlanVersion <= *afterPins.Version {
		t.Errorf("pin: plan v%d, was v%d", pinned.PlanVersion, *afterPins.Version)
	}
	afterPin := plan()
	s, end := runOf(afterPin, "ds-dw")
	if s.Before(from) || end.After(to) || s.Equal(start) {
		t.Errorf("pinned to %s–%s, planned %s–%s (was %s)", from, to, s, end, start)
	}

	// Refusals reach the app as the API sent them: status, problem+json, code, the validator's reason.
	var short itProblem
	r := resource(t, ds, auth, "POST", home+"/runs/ds-dw/pin",
		fmt.Sprintf(`{"from":%q,"to":%q}`, from.Format(time.RFC3339), from.Add(time.Hour).Format(time.RFC3339)), 409, &short)
	if ct := r.Headers["Content-Type"]; len(ct) == 0 || !strings.HasPrefix(ct[0], "application/problem+json") {
		t.Errorf("refusal content type %v", ct)
	}
	if short.Code != "override_refused" || len(short.Errors) != 1 || short.Errors[0].Code != "window_too_short" ||
		short.Errors[0].Field != "body.from" || !strings.Contains(short.Detail, "the 120 min cycle does not fit") {
		t.Errorf("too short a window: %+v", short)
	}
	if p := plan(); *p.Version != *afterPin.Version {
		t.Errorf("a refused pin changed the plan: v%d → v%d", *afterPin.Version, *p.Version)
	}

	// Cancel: the run leaves the plan.
	var cancelled itOverride
	resource(t, ds, auth, "POST", home+"/runs/ds-wm/cancel", "{}", 200, &cancelled)
	if len(cancelled.Runs) != 1 || cancelled.Runs[0].Status != "cancelled" || cancelled.Runs[0].StartAt != nil {
		t.Errorf("cancel: %+v", cancelled.Runs)
	}
	afterCancel := plan()
	for _, r := range afterCancel.Runs {
		if r.RequestID == "ds-wm" {
			t.Errorf("cancelled run still planned at %s", r.StartAt)
		}
	}
	if st, _ := requestOf(afterCancel, "ds-wm"); st != "cancelled" {
		t.Errorf("cancelled run's request: %q", st)
	}

	// Start now: dispatched, its start command sent at once; a started run is not cancelled.
	var started itOverride
	asked := time.Now()
	resource(t, ds, auth, "POST", home+"/runs/ds-td/start-now", `{"idempotencyKey":"ds-start"}`, 200, &started)
	if len(started.Runs) != 1 || started.Runs[0].Status != "dispatched" || started.Runs[0].Command == nil ||
		started.Runs[0].Command.Status != "sent" || started.Runs[0].Command.IdempotencyKey != e.own+"/ds-td/start" {
		t.Fatalf("start now: %+v", started.Runs)
	}
	if st := started.Runs[0].StartAt; st == nil || st.Sub(asked).Abs() > 31*time.Minute {
		t.Errorf("started now but planned at %v (asked %s)", st, asked)
	}
	var late itProblem
	resource(t, ds, auth, "POST", home+"/runs/ds-td/cancel", "{}", 409, &late)
	if len(late.Errors) != 1 || late.Errors[0].Code != "already_started" {
		t.Errorf("cancel after start: %+v", late)
	}
	var again itProblem
	resource(t, ds, auth, "POST", home+"/runs/ds-wm/start-now", "{}", 409, &again)
	if len(again.Errors) != 1 || again.Errors[0].Code != "already_cancelled" {
		t.Errorf("start after cancel: %+v", again)
	}
	var unknown itProblem
	resource(t, ds, auth, "POST", home+"/runs/ds-none/cancel", "{}", 404, &unknown)
	if unknown.Code != "run_not_found" {
		t.Errorf("unknown run: %+v", unknown)
	}
	// A request id that is not an id never reaches the API.
	var bad itProblem
	resource(t, ds, auth, "POST", home+"/runs/DS-DW/cancel", "{}", 400, &bad)
	if bad.Code != "validation_failed" || !strings.Contains(bad.Detail, "requestId") {
		t.Errorf("bad request id: %+v", bad)
	}
}
