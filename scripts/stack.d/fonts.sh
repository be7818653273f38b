# Fonts for the plots the CLIs draw (models/src/plot: Vega-Lite rendered by resvg with the system's fonts).
fonts_install() {
  if ! dpkg -s fonts-dejavu-core >/dev/null 2>&1; then
    log "installing fonts-dejavu-core from apt (plot text)"
    as_root_apt_install fonts-dejavu-core
  fi
}
