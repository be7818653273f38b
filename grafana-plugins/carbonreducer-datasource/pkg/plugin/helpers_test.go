package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// sharedDir is grafana-plugins/shared: fixtures and tables the TypeScript side uses too.
var sharedDir = filepath.Join("..", "..", "..", "shared")

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir, "fixtures", "api", name+".json"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// fakeAPI is a local server speaking the CarbonReducer API's documented shapes (fixtures validated against its zod
// schemas by shared/src/api.test.ts). It records every request it got.
type fakeAPI struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

func newFakeAPI(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 0)
		if r.Body != nil {
			buf := make([]byte, 1<<16)
			n, _ := r.Body.Read(buf)
			body = buf[:n]
		}
		f.mu.Lock()
		f.requests = append(f.requests, r)
		f.bodies = append(f.bodies, string(body))
		f.mu.Unlock()
		h, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"No such home","status":404,"code":"home_not_found"}`))
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) last() (*http.Request, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil, ""
	}
	return f.requests[len(f.requests)-1], f.bodies[len(f.bodies)-1]
}

func serveJSON(status int, body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

func newDS(t *testing.T, url string, passThru bool) *Datasource {
	t.Helper()
	jd, _ := json.Marshal(map[string]any{"oauthPassThru": passThru})
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{Name: "test", URL: url, JSONData: jd})
	if err != nil {
		t.Fatalf("NewDatasource: %v", err)
	}
	return inst.(*Datasource)
}

// capture collects what CallResource sends.
type capture struct{ resp *backend.CallResourceResponse }

func (c *capture) Send(r *backend.CallResourceResponse) error { c.resp = r; return nil }
