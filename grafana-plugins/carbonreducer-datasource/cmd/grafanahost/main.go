// Command grafanahost is a test host for the plugins' browser tests: a local server speaking the parts of Grafana's
// documented HTTP API the plugins use — data source resource calls (/api/datasources/uid/{uid}/resources/…) and
// queries (/api/ds/query) — answered by the real data source backend (pkg/plugin) with the browser's Authorization
// header passed on as Grafana does with oauthPassThru; plus the built plugins under /public/plugins/{id}/ and the
// harness page. Not part of the plugin; Grafana itself cannot run here.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/carbonreducer/grafana-datasource/pkg/plugin"
)

type sender struct{ w http.ResponseWriter }

func (s sender) Send(r *backend.CallResourceResponse) error {
	for k, v := range r.Headers {
		for _, x := range v {
			s.w.Header().Add(k, x)
		}
	}
	s.w.WriteHeader(r.Status)
	_, err := s.w.Write(r.Body)
	return err
}

func main() {
	apiURL := flag.String("api", "http://127.0.0.1:8380", "CarbonReducer API URL")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	uid := flag.String("uid", "carbonreducer", "the data source UID the app calls")
	plugins := flag.String("plugins", "grafana-plugins", "folder with <plugin>/dist")
	harness := flag.String("harness", ".", "folder served at /harness/")
	flag.Parse()

	jd, _ := json.Marshal(map[string]any{"oauthPassThru": true})
	inst, err := plugin.NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: *uid, Name: "CarbonReducer", URL: *apiURL, JSONData: jd})
	if err != nil {
		log.Fatal(err)
	}
	ds := inst.(*plugin.Datasource)
	prefix := "/api/datasources/uid/" + *uid + "/resources/"
	mux := http.NewServeMux()
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path := strings.TrimPrefix(r.URL.Path, prefix)
		url := path
		if r.URL.RawQuery != "" {
			url += "?" + r.URL.RawQuery
		}
		req := &backend.CallResourceRequest{Method: r.Method, Path: path, URL: url, Body: body, Headers: map[string][]string{}}
		if a := r.Header.Get("Authorization"); a != "" {
			req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, a)
		}
		if err := ds.CallResource(r.Context(), req, sender{w}); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/api/ds/query", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			From    string            `json:"from"`
			To      string            `json:"to"`
			Queries []json.RawMessage `json:"queries"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ms := func(s string) time.Time {
			var v int64
			_ = json.Unmarshal([]byte(s), &v)
			if v == 0 {
				return time.Now()
			}
			return time.UnixMilli(v)
		}
		req := &backend.QueryDataRequest{Headers: map[string]string{}}
		if a := r.Header.Get("Authorization"); a != "" {
			req.SetHTTPHeader(backend.OAuthIdentityTokenHeaderName, a)
		}
		for _, q := range in.Queries {
			var head struct {
				RefID     string `json:"refId"`
				QueryType string `json:"queryType"`
			}
			_ = json.Unmarshal(q, &head)
			req.Queries = append(req.Queries, backend.DataQuery{RefID: head.RefID, QueryType: head.QueryType, JSON: q, TimeRange: backend.TimeRange{From: ms(in.From), To: ms(in.To)}})
		}
		res, err := ds.QueryData(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		out, err := json.Marshal(res)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	})
	for _, id := range []string{"carbonreducer-schedule-panel", "carbonreducer-datasource", "carbonreducer-app"} {
		mux.Handle("/public/plugins/"+id+"/", http.StripPrefix("/public/plugins/"+id+"/", http.FileServer(http.Dir(*plugins+"/"+id+"/dist"))))
	}
	mux.Handle("/harness/", http.StripPrefix("/harness/", http.FileServer(http.Dir(*harness))))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The test reads the address from the first line.
	log.SetFlags(0)
	log.Printf("listening http://%s", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
