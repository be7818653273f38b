// Package plugin is the CarbonReducer data source backend: queries, resource routes and the health check, each
// passed to the CarbonReducer API with the signed-in user's token (jsonData.oauthPassThru).
package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"

	"github.com/carbonreducer/grafana-datasource/pkg/models"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// NewDatasource is the instance factory Grafana calls per data source (and again when its settings change).
func NewDatasource(_ context.Context, settings backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	cfg, err := models.LoadPluginSettings(settings)
	if err != nil {
		return nil, fmt.Errorf("CarbonReducer data source %q: %w", settings.Name, err)
	}
	return &Datasource{settings: cfg, api: newAPIClient(cfg.APIURL)}, nil
}

// Datasource holds one configured data source.
type Datasource struct {
	settings *models.PluginSettings
	api      *apiClient
}

// Dispose is called when the settings change; the HTTP client needs no cleanup.
func (d *Datasource) Dispose() {}

// QueryData answers every query of the request with the user's token; a failing query becomes its own frame error.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	auth := req.GetHTTPHeader(backend.OAuthIdentityTokenHeaderName)
	for _, q := range req.Queries {
		var qm models.Query
		if err := json.Unmarshal(q.JSON, &qm); err != nil {
			response.Responses[q.RefID] = backend.ErrDataResponse(backend.StatusBadRequest, fmt.Sprintf("query %s is not valid JSON: %v", q.RefID, err))
			continue
		}
		if qm.QueryType == "" {
			qm.QueryType = q.QueryType
		}
		response.Responses[q.RefID] = toResponse(runQuery(ctx, d.api, auth, qm, q.TimeRange))
	}
	return response, nil
}

// CheckHealth asks the API's /healthz (no token needed) and reports its dependencies.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	res, err := d.api.do(ctx, http.MethodGet, "/healthz", nil, "", nil)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var h struct {
		Status       string `json:"status"`
		Dependencies map[string]struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		} `json:"dependencies"`
	}
	if json.Unmarshal(raw, &h) != nil || h.Status == "" {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: fmt.Sprintf("%s/healthz answered %d without a health document: is this the CarbonReducer API?", d.settings.APIURL, res.StatusCode),
		}, nil
	}
	var down []string
	for name, dep := range h.Dependencies {
		if !dep.OK {
			down = append(down, name)
		}
	}
	sort.Strings(down)
	if !d.settings.OAuthPassThru {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: "CarbonReducer API reachable, but \"Forward OAuth identity\" is off: every query needs the signed-in user's token",
		}, nil
	}
	if h.Status != "ok" || len(down) > 0 {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: fmt.Sprintf("CarbonReducer API %s: %s not available", h.Status, strings.Join(down, ", ")),
		}, nil
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: "CarbonReducer API ok"}, nil
}
