package plugin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// ResourceRoute maps a resource path of this data source to the API path the request is passed to. The list is the
// same as grafana-plugins/shared/src/resources.json (resources_test.go checks).
type ResourceRoute struct {
	Method   string `json:"method"`
	Resource string `json:"resource"`
	API      string `json:"api"`
}

// ResourceRoutes: the app's reads and actions (start now, cancel, pin, a Pareto point's pins, the Pareto curve).
var ResourceRoutes = []ResourceRoute{
	{"GET", "me", "/api/auth/me"},
	{"GET", "homes", "/api/homes"},
	{"GET", "homes/{homeId}", "/api/homes/{homeId}"},
	{"GET", "homes/{homeId}/plan", "/api/optimize/homes/{homeId}/plan"},
	{"POST", "homes/{homeId}/runs", "/api/optimize/homes/{homeId}/runs"},
	{"GET", "homes/{homeId}/preferences", "/api/homes/{homeId}/preferences"},
	{"PUT", "homes/{homeId}/preferences", "/api/homes/{homeId}/preferences"},
	{"GET", "homes/{homeId}/report", "/api/reports/homes/{homeId}"},
	{"GET", "homes/{homeId}/load", "/api/predict/homes/{homeId}/load"},
	{"GET", "intensity/{region}", "/api/predict/intensity/{region}"},
	{"GET", "leaderboard", "/api/leaderboard"},
	{"GET", "homes/{homeId}/readings", "/api/data/homes/{homeId}/readings"},
	{"POST", "homes/{homeId}/runs/{requestId}/start-now", "/api/optimize/homes/{homeId}/runs/{requestId}/start-now"},
	{"POST", "homes/{homeId}/runs/{requestId}/cancel", "/api/optimize/homes/{homeId}/runs/{requestId}/cancel"},
	{"POST", "homes/{homeId}/runs/{requestId}/pin", "/api/optimize/homes/{homeId}/runs/{requestId}/pin"},
	{"POST", "homes/{homeId}/pins", "/api/optimize/homes/{homeId}/pins"},
	{"GET", "homes/{homeId}/pareto", "/api/optimize/homes/{homeId}/pareto"},
}

// matchRoute finds the route for method and path and fills the API path's parameters (each checked against its
// pattern, so a parameter can never add a path segment).
func matchRoute(method, path string) (string, bool, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathMatched := false
	for _, r := range ResourceRoutes {
		pattern := strings.Split(r.Resource, "/")
		if len(pattern) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range pattern {
			if strings.HasPrefix(p, "{") {
				params[p] = segs[i]
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathMatched = true
		if r.Method != method {
			continue
		}
		api := r.API
		for k, v := range params {
			re := idPattern
			if k == "{region}" {
				re = regionPattern
			}
			if !re.MatchString(v) {
				return "", true, fmt.Errorf("%s %q is not valid", strings.Trim(k, "{}"), v)
			}
			api = strings.ReplaceAll(api, k, v)
		}
		return api, true, nil
	}
	return "", pathMatched, nil
}

// CallResource passes a resource call to the API with the user's token and answers with the API's status and body.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	send := func(status int, body []byte, contentType string) error {
		return sender.Send(&backend.CallResourceResponse{
			Status:  status,
			Headers: map[string][]string{"Content-Type": {contentType}},
			Body:    body,
		})
	}
	problem := func(status int, code, detail string) error {
		body := fmt.Appendf(nil, `{"type":"about:blank","title":%q,"status":%d,"code":%q,"detail":%q}`,
			http.StatusText(status), status, code, detail)
		return send(status, body, "application/problem+json")
	}
	apiPath, pathKnown, err := matchRoute(req.Method, req.Path)
	if err != nil {
		return problem(http.StatusBadRequest, "validation_failed", err.Error())
	}
	if apiPath == "" {
		if pathKnown {
			return problem(http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed on %s", req.Method, req.Path))
		}
		return problem(http.StatusNotFound, "not_found", fmt.Sprintf("no resource route %s %s", req.Method, req.Path))
	}
	auth := req.GetHTTPHeader(backend.OAuthIdentityTokenHeaderName)
	if auth == "" {
		return problem(http.StatusUnauthorized, "unauthenticated", ErrNoToken.Error())
	}
	var query url.Values
	if u, err := url.Parse(req.URL); err == nil {
		query = u.Query()
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	res, err := d.api.do(ctx, req.Method, apiPath, query, auth, body)
	if err != nil {
		return problem(http.StatusBadGateway, "dependency_unavailable", err.Error())
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return problem(http.StatusBadGateway, "dependency_unavailable", err.Error())
	}
	ct := res.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/json"
	}
	return send(res.StatusCode, raw, ct)
}
