/* Clientside helpers (no data): keep the filter bar's values in the URL query string. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  careboard: {
    syncUrl: function (start, end, program, location, clinician, modality) {
      const params = new URLSearchParams(window.location.search);
      const values = { start, end, program, location, clinician, modality };
      Object.entries(values).forEach(([key, value]) => {
        if (value === null || value === undefined || value === "") params.delete(key);
        else params.set(key, key === "start" || key === "end" ? String(value).slice(0, 10) : String(value));
      });
      const query = params.toString();
      window.history.replaceState(window.history.state, "", window.location.pathname + (query ? "?" + query : ""));
      return window.dash_clientside.no_update;
    },
  },
});
