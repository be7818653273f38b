package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Frame and field names and units: the same as grafana-plugins/shared/src/frames.json (frames_test.go checks).
const (
	UnitPowerW    = "watt"
	UnitEnergyWh  = "watth"
	UnitIntensity = "suffix: gCO2/kWh"
	UnitMassKg    = "masskg"
	UnitMassG     = "massg"
	UnitPercent   = "percent"
)

// FrameSpecs: frame kind → name and field names, in order.
var FrameSpecs = map[string]struct {
	Name   string
	Fields []string
}{
	"telemetry":         {"telemetry", []string{"time", "value"}},
	"intensityForecast": {"intensity_forecast", []string{"time", "intensity", "lower", "upper"}},
	"intensityActual":   {"intensity_actual", []string{"time", "intensity"}},
	"loadForecast":      {"load_forecast", []string{"time", "power"}},
	"planRuns":          {"plan_runs", []string{"requestId", "deviceId", "appliance", "startAt", "endAt", "power", "energy", "emissions", "baselineEmissions", "avoided"}},
	"planSlots":         {"plan_slots", []string{"time", "power"}},
	"savings":           {"savings", []string{"start", "expectedAvoided", "verifiedAvoided"}},
	"forecastAccuracy":  {"forecast_accuracy", []string{"time", "forecast", "actual", "absError"}},
	"leaderboard":       {"leaderboard", []string{"rank", "home", "avoided"}},
}

// QueryTypes the data source answers (shared/src/frames.ts QUERY_TYPES).
var QueryTypes = []string{"telemetry", "intensity", "loadForecast", "plan", "savings", "forecastAccuracy", "leaderboard"}

func unit(f *data.Field, u string) *data.Field {
	f.Config = &data.FieldConfig{Unit: u}
	return f
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func parseTimePtr(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseTime(*s)
	if t.IsZero() {
		return nil
	}
	return &t
}

func newFrame(kind string, fields ...*data.Field) *data.Frame {
	return data.NewFrame(FrameSpecs[kind].Name, fields...)
}
