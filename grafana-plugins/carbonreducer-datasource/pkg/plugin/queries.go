package plugin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/carbonreducer/grafana-datasource/pkg/models"
)

// API response bodies (api/src/schemas.ts: Readings, IntensityForecast, LoadForecast, Plan, Report).
type readingsBody struct {
	HomeID string `json:"homeId"`
	Field  string `json:"field"`
	Every  string `json:"every"`
	Series []struct {
		DeviceID string `json:"deviceId"`
		Kind     string `json:"kind"`
		Points   []struct {
			Time  string  `json:"time"`
			Value float64 `json:"value"`
		} `json:"points"`
	} `json:"series"`
}

type intensityBody struct {
	Region       string   `json:"region"`
	IssuedAt     string   `json:"issuedAt"`
	ModelVersion string   `json:"modelVersion"`
	ServedBy     string   `json:"servedBy"`
	Coverage     *float64 `json:"coverage"`
	Points       []struct {
		Time  string   `json:"time"`
		Value float64  `json:"intensityGPerKWh"`
		Lower *float64 `json:"lowerGPerKWh"`
		Upper *float64 `json:"upperGPerKWh"`
	} `json:"points"`
}

type loadBody struct {
	HomeID             string   `json:"homeId"`
	IssuedAt           string   `json:"issuedAt"`
	ModelVersion       string   `json:"modelVersion"`
	ExpectedEmissionsG *float64 `json:"expectedEmissionsG"`
	Points             []struct {
		Time   string  `json:"time"`
		PowerW float64 `json:"powerW"`
	} `json:"points"`
}

type planBody struct {
	HomeID               string  `json:"homeId"`
	Version              *int    `json:"version"`
	PlannedAt            *string `json:"plannedAt"`
	ForecastIssuedAt     *string `json:"forecastIssuedAt"`
	ForecastModelVersion *string `json:"forecastModelVersion"`
	Runs                 []struct {
		RequestID          string  `json:"requestId"`
		DeviceID           string  `json:"deviceId"`
		Appliance          string  `json:"appliance"`
		StartAt            string  `json:"startAt"`
		EndAt              string  `json:"endAt"`
		PowerW             float64 `json:"powerW"`
		EnergyWh           float64 `json:"energyWh"`
		EmissionsG         float64 `json:"emissionsG"`
		BaselineEmissionsG float64 `json:"baselineEmissionsG"`
		AvoidedEmissionsG  float64 `json:"avoidedEmissionsG"`
	} `json:"runs"`
	Slots []struct {
		Time   string  `json:"time"`
		PowerW float64 `json:"powerW"`
	} `json:"slots"`
	ExpectedAvoidedEmissionsG float64 `json:"expectedAvoidedEmissionsG"`
}

type accuracyBody struct {
	Region      string   `json:"region"`
	Horizon     string   `json:"horizon"`
	MAE         *float64 `json:"maeGPerKWh"`
	Coverage80  *float64 `json:"coverage80"`
	ScoredSlots int      `json:"scoredSlots"`
	Slots       []struct {
		Time     string   `json:"time"`
		Actual   float64  `json:"actualGPerKWh"`
		Forecast *float64 `json:"forecastGPerKWh"`
		AbsError *float64 `json:"absErrorGPerKWh"`
	} `json:"slots"`
}

// accuracyHorizons are the API's lead times (api/src/schemas.ts ACCURACY_HORIZONS).
var accuracyHorizons = []string{"30m", "1h", "2h", "4h", "8h", "12h", "24h", "48h"}

type leaderboardBody struct {
	Month   string `json:"month"`
	Entries []struct {
		Rank      int64   `json:"rank"`
		Home      string  `json:"home"`
		AvoidedKg float64 `json:"avoidedKg"`
	} `json:"entries"`
}

type reportBody struct {
	HomeID string `json:"homeId"`
	Period string `json:"period"`
	Rows   []struct {
		Start             string   `json:"start"`
		ExpectedAvoidedKg float64  `json:"expectedAvoidedKg"`
		VerifiedAvoidedKg *float64 `json:"verifiedAvoidedKg"`
	} `json:"rows"`
}

// errBadQuery marks a query the editor should not have produced; it becomes a 400 frame error.
type errBadQuery struct{ msg string }

func (e errBadQuery) Error() string { return e.msg }

func badQuery(format string, a ...any) error { return errBadQuery{fmt.Sprintf(format, a...)} }

func needHome(q models.Query) error {
	if !idPattern.MatchString(q.HomeID) {
		return badQuery("homeId %q is not a home id (1-64 of a-z, 0-9, _ and -)", q.HomeID)
	}
	return nil
}

func hours(q models.Query) string {
	h := q.Hours
	if h <= 0 {
		h = 48
	}
	return strconv.Itoa(int(math.Min(96, float64(h))))
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// runQuery answers one query through the API; `auth` is the user's Authorization header.
func runQuery(ctx context.Context, api *apiClient, auth string, q models.Query, tr backend.TimeRange) (data.Frames, error) {
	switch q.QueryType {
	case "telemetry":
		if err := needHome(q); err != nil {
			return nil, err
		}
		v := url.Values{"from": {iso(tr.From)}, "to": {iso(tr.To)}}
		if q.Field != "" {
			v.Set("field", q.Field)
		}
		if q.Every != "" {
			v.Set("every", q.Every)
		}
		if q.DeviceID != "" {
			if !idPattern.MatchString(q.DeviceID) {
				return nil, badQuery("deviceId %q is not a device id", q.DeviceID)
			}
			v.Set("deviceId", q.DeviceID)
		}
		var b readingsBody
		if err := api.getJSON(ctx, "/api/data/homes/"+q.HomeID+"/readings", v, auth, &b); err != nil {
			return nil, err
		}
		u, field := UnitPowerW, "power"
		if b.Field == "energy_wh" {
			u, field = UnitEnergyWh, "energy"
		}
		frames := data.Frames{}
		for _, s := range b.Series {
			times := make([]time.Time, len(s.Points))
			vals := make([]float64, len(s.Points))
			for i, p := range s.Points {
				times[i], vals[i] = parseTime(p.Time), p.Value
			}
			value := data.NewField("value", data.Labels{"deviceId": s.DeviceID, "kind": s.Kind}, vals)
			value.Config = &data.FieldConfig{Unit: u, DisplayNameFromDS: s.DeviceID + " " + field}
			if b.Field != "power_w" && b.Field != "energy_wh" {
				value.Config.Unit = ""
			}
			f := newFrame("telemetry", data.NewField("time", nil, times), value)
			f.Meta = &data.FrameMeta{Custom: map[string]any{"kind": "telemetry", "field": b.Field, "every": b.Every}}
			frames = append(frames, f)
		}
		return frames, nil

	case "intensity":
		region := q.Region
		if region == "" {
			region = "GB"
		}
		if !regionPattern.MatchString(region) {
			return nil, badQuery("region %q is not a region code such as GB", region)
		}
		var b intensityBody
		if err := api.getJSON(ctx, "/api/predict/intensity/"+region, url.Values{"hours": {hours(q)}}, auth, &b); err != nil {
			return nil, err
		}
		n := len(b.Points)
		times, mid := make([]time.Time, n), make([]float64, n)
		lower, upper := make([]*float64, n), make([]*float64, n)
		for i, p := range b.Points {
			times[i], mid[i], lower[i], upper[i] = parseTime(p.Time), p.Value, p.Lower, p.Upper
		}
		intensity := unit(data.NewField("intensity", nil, mid), UnitIntensity)
		intensity.Config.DisplayNameFromDS = "forecast"
		lo := unit(data.NewField("lower", nil, lower), UnitIntensity)
		lo.Config.DisplayNameFromDS = "80 % lower"
		hi := unit(data.NewField("upper", nil, upper), UnitIntensity)
		hi.Config.DisplayNameFromDS = "80 % upper"
		f := newFrame("intensityForecast", data.NewField("time", nil, times), intensity, lo, hi)
		f.Meta = &data.FrameMeta{Custom: map[string]any{
			"kind": "intensity_forecast", "region": b.Region, "issuedAt": b.IssuedAt, "modelVersion": b.ModelVersion,
			"servedBy": b.ServedBy, "coverage": b.Coverage,
		}}
		return data.Frames{f}, nil

	case "loadForecast":
		if err := needHome(q); err != nil {
			return nil, err
		}
		var b loadBody
		if err := api.getJSON(ctx, "/api/predict/homes/"+q.HomeID+"/load", url.Values{"hours": {hours(q)}}, auth, &b); err != nil {
			return nil, err
		}
		times, power := make([]time.Time, len(b.Points)), make([]float64, len(b.Points))
		for i, p := range b.Points {
			times[i], power[i] = parseTime(p.Time), p.PowerW
		}
		f := newFrame("loadForecast", data.NewField("time", nil, times), unit(data.NewField("power", nil, power), UnitPowerW))
		f.Meta = &data.FrameMeta{Custom: map[string]any{
			"kind": "load_forecast", "issuedAt": b.IssuedAt, "modelVersion": b.ModelVersion, "expectedEmissionsG": b.ExpectedEmissionsG,
		}}
		return data.Frames{f}, nil

	case "plan":
		if err := needHome(q); err != nil {
			return nil, err
		}
		var b planBody
		if err := api.getJSON(ctx, "/api/optimize/homes/"+q.HomeID+"/plan", nil, auth, &b); err != nil {
			return nil, err
		}
		n := len(b.Runs)
		ids, devices, appliances := make([]string, n), make([]string, n), make([]string, n)
		starts, ends := make([]time.Time, n), make([]time.Time, n)
		power, energy, em, base, avoided := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for i, r := range b.Runs {
			ids[i], devices[i], appliances[i] = r.RequestID, r.DeviceID, r.Appliance
			starts[i], ends[i] = parseTime(r.StartAt), parseTime(r.EndAt)
			power[i], energy[i] = r.PowerW, r.EnergyWh
			// The API counts grams; plans are read in kg.
			em[i], base[i], avoided[i] = r.EmissionsG/1000, r.BaselineEmissionsG/1000, r.AvoidedEmissionsG/1000
		}
		runs := newFrame("planRuns",
			data.NewField("requestId", nil, ids), data.NewField("deviceId", nil, devices), data.NewField("appliance", nil, appliances),
			data.NewField("startAt", nil, starts), data.NewField("endAt", nil, ends),
			unit(data.NewField("power", nil, power), UnitPowerW), unit(data.NewField("energy", nil, energy), UnitEnergyWh),
			unit(data.NewField("emissions", nil, em), UnitMassKg), unit(data.NewField("baselineEmissions", nil, base), UnitMassKg),
			unit(data.NewField("avoided", nil, avoided), UnitMassKg),
		)
		runs.Meta = &data.FrameMeta{Custom: map[string]any{
			"kind": "plan_runs", "version": b.Version, "plannedAt": b.PlannedAt, "forecastIssuedAt": b.ForecastIssuedAt,
			"forecastModelVersion": b.ForecastModelVersion, "expectedAvoidedKg": b.ExpectedAvoidedEmissionsG / 1000,
		}}
		st, sp := make([]time.Time, len(b.Slots)), make([]float64, len(b.Slots))
		for i, s := range b.Slots {
			st[i], sp[i] = parseTime(s.Time), s.PowerW
		}
		slots := newFrame("planSlots", data.NewField("time", nil, st), unit(data.NewField("power", nil, sp), UnitPowerW))
		return data.Frames{runs, slots}, nil

	case "savings":
		if err := needHome(q); err != nil {
			return nil, err
		}
		period := q.Period
		if period == "" {
			period = "day"
		}
		v := url.Values{"period": {period}, "from": {iso(tr.From)}, "to": {iso(tr.To)}}
		var b reportBody
		if err := api.getJSON(ctx, "/api/reports/homes/"+q.HomeID, v, auth, &b); err != nil {
			return nil, err
		}
		starts, exp, ver := make([]time.Time, len(b.Rows)), make([]float64, len(b.Rows)), make([]*float64, len(b.Rows))
		for i, r := range b.Rows {
			starts[i], exp[i], ver[i] = parseTime(r.Start), r.ExpectedAvoidedKg, r.VerifiedAvoidedKg
		}
		f := newFrame("savings", data.NewField("start", nil, starts),
			unit(data.NewField("expectedAvoided", nil, exp), UnitMassKg), unit(data.NewField("verifiedAvoided", nil, ver), UnitMassKg))
		f.Meta = &data.FrameMeta{Custom: map[string]any{"kind": "savings", "period": b.Period}}
		return data.Frames{f}, nil

	case "forecastAccuracy":
		region := q.Region
		if region == "" {
			region = "GB"
		}
		if !regionPattern.MatchString(region) {
			return nil, badQuery("region %q is not a region code such as GB", region)
		}
		horizon := q.Horizon
		if horizon == "" {
			horizon = "24h"
		}
		if !slices.Contains(accuracyHorizons, horizon) {
			return nil, badQuery("horizon %q is not one of %v", horizon, accuracyHorizons)
		}
		v := url.Values{"from": {iso(tr.From)}, "to": {iso(tr.To)}, "horizon": {horizon}}
		var b accuracyBody
		if err := api.getJSON(ctx, "/api/predict/intensity/"+region+"/accuracy", v, auth, &b); err != nil {
			return nil, err
		}
		n := len(b.Slots)
		times, actual := make([]time.Time, n), make([]float64, n)
		forecast, absErr := make([]*float64, n), make([]*float64, n)
		for i, s := range b.Slots {
			times[i], actual[i], forecast[i], absErr[i] = parseTime(s.Time), s.Actual, s.Forecast, s.AbsError
		}
		fc := unit(data.NewField("forecast", nil, forecast), UnitIntensity)
		fc.Config.DisplayNameFromDS = "forecast " + horizon + " ahead"
		ac := unit(data.NewField("actual", nil, actual), UnitIntensity)
		ac.Config.DisplayNameFromDS = "actual"
		ae := unit(data.NewField("absError", nil, absErr), UnitIntensity)
		ae.Config.DisplayNameFromDS = "absolute error"
		f := newFrame("forecastAccuracy", data.NewField("time", nil, times), fc, ac, ae)
		f.Meta = &data.FrameMeta{Custom: map[string]any{
			"kind": "forecast_accuracy", "region": b.Region, "horizon": b.Horizon, "maeGPerKWh": b.MAE,
			"coverage80": b.Coverage80, "scoredSlots": b.ScoredSlots,
		}}
		return data.Frames{f}, nil

	case "leaderboard":
		month := q.Month
		if month == "" {
			month = tr.To.UTC().Format("2006-01")
		}
		if !monthPattern.MatchString(month) {
			return nil, badQuery("month %q is not a month such as 2026-12 (YYYY-MM)", month)
		}
		var b leaderboardBody
		if err := api.getJSON(ctx, "/api/leaderboard", url.Values{"month": {month}}, auth, &b); err != nil {
			return nil, err
		}
		n := len(b.Entries)
		ranks, homes, avoided := make([]int64, n), make([]string, n), make([]float64, n)
		for i, e := range b.Entries {
			ranks[i], homes[i], avoided[i] = e.Rank, e.Home, e.AvoidedKg
		}
		// The API's pseudonyms: the same home has the same name for everyone, never its id.
		hf := data.NewField("home", nil, homes)
		hf.Config = &data.FieldConfig{DisplayName: "home (pseudonym)"}
		f := newFrame("leaderboard", data.NewField("rank", nil, ranks), hf, unit(data.NewField("avoided", nil, avoided), UnitMassKg))
		f.Meta = &data.FrameMeta{Custom: map[string]any{"kind": "leaderboard", "month": b.Month}}
		return data.Frames{f}, nil

	case "":
		return nil, badQuery("queryType is empty: choose one of %v", QueryTypes)
	default:
		return nil, badQuery("queryType %q is not one of %v", q.QueryType, QueryTypes)
	}
}

// toResponse turns a query error into a frame error that carries the API's status and message.
func toResponse(frames data.Frames, err error) backend.DataResponse {
	if err == nil {
		return backend.DataResponse{Frames: frames}
	}
	var apiErr *APIError
	var bad errBadQuery
	switch {
	case errors.As(err, &apiErr):
		return backend.ErrDataResponseWithSource(backend.Status(apiErr.Status), backend.ErrorSourceDownstream, apiErr.Error())
	case errors.As(err, &bad):
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, err.Error())
	case errors.Is(err, ErrNoToken):
		return backend.ErrDataResponseWithSource(backend.StatusUnauthorized, backend.ErrorSourcePlugin, err.Error())
	default:
		return backend.ErrDataResponseWithSource(backend.StatusBadGateway, backend.ErrorSourceDownstream, err.Error())
	}
}
