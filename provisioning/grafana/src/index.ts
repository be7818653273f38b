// @carbonreducer/grafana-provisioning: the code that generates the files under provisioning/grafana/ that Grafana reads.
export {};
