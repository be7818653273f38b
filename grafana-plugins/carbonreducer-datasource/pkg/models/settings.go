// Package models holds the data source's settings and query model.
package models

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// PluginSettings is the data source's configuration: the API's base URL (the data source URL field, or
// jsonData.apiUrl) and jsonData.oauthPassThru, which makes Grafana forward the signed-in user's token.
type PluginSettings struct {
	APIURL        string `json:"apiUrl"`
	OAuthPassThru bool   `json:"oauthPassThru"`
}

// LoadPluginSettings reads and validates the settings; the URL must be absolute http(s).
func LoadPluginSettings(source backend.DataSourceInstanceSettings) (*PluginSettings, error) {
	settings := PluginSettings{}
	if len(source.JSONData) > 0 {
		if err := json.Unmarshal(source.JSONData, &settings); err != nil {
			return nil, fmt.Errorf("jsonData is not valid JSON: %w", err)
		}
	}
	if settings.APIURL == "" {
		settings.APIURL = source.URL
	}
	u, err := url.Parse(settings.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the API URL %q must be an absolute http(s) URL such as http://127.0.0.1:8380", settings.APIURL)
	}
	settings.APIURL = strings.TrimRight(settings.APIURL, "/")
	return &settings, nil
}

// Query is one panel query (the TypeScript query editor writes the same fields; src/types.ts).
type Query struct {
	QueryType string `json:"queryType"`
	HomeID    string `json:"homeId"`
	Region    string `json:"region"`
	DeviceID  string `json:"deviceId"`
	// Field is the telemetry field (power_w, energy_wh, …); Every the downsampling interval (1m … 1d).
	Field string `json:"field"`
	Every string `json:"every"`
	// Hours is the forecast window from now (1-96); Period the savings roll-up (day, month).
	Hours  int    `json:"hours"`
	Period string `json:"period"`
	// Horizon is the lead (slot end − issue time) forecastAccuracy judges the forecast at (30m … 48h).
	Horizon string `json:"horizon"`
	// Month (YYYY-MM) the leaderboard ranks; empty: the month of the time range's end (UTC).
	Month string `json:"month"`
}
