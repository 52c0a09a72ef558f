/* Clientside helpers (no data, no inline scripts: the app runs under a CSP). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  careboard: {
    /* Write a bar's values into the URL query string (components/urlsync.py). The last
       argument is the list of query keys, in the order of the values before it; an empty
       value drops its key, a list is joined with commas, a date-time keeps its date. */
    syncQuery: function (...args) {
      const keys = args.pop() || [];
      const params = new URLSearchParams(window.location.search);
      keys.forEach((key, i) => {
        const value = Array.isArray(args[i]) ? args[i].join(",") : args[i];
        if (value === null || value === undefined || value === "") params.delete(key);
        else params.set(key, /^\d{4}-\d{2}-\d{2}T/.test(value) ? value.slice(0, 10) : String(value));
      });
      const query = params.toString();
      window.history.replaceState(
        window.history.state, "", window.location.pathname + (query ? "?" + query : "")
      );
      return window.dash_clientside.no_update;
    },
    /* Open the browser's print dialog once the sheet the print button asked for is on the
       page (the schedule's print button; the frame lets the browser lay the sheet out). */
    print: function (ready) {
      if (ready) window.requestAnimationFrame(() => window.print());
      return window.dash_clientside.no_update;
    },
    /* Drop a server-paged grid's rows so that it asks for them again (components/paged_grid.py):
       the page's filters changed. */
    purgeGrid: function (reloads, gridId) {
      if (reloads && window.dash_ag_grid) {
        window.dash_ag_grid.getApiAsync(gridId).then((api) => api.purgeInfiniteCache());
      }
      return window.dash_clientside.no_update;
    },
    /* The values before the last argument as one record keyed by it (a list of keys). */
    record: function (...args) {
      const keys = args.pop() || [];
      return Object.fromEntries(keys.map((key, i) => [key, args[i]]));
    },
  },
});
