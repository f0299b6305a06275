// GraphiQL served from the package's own copies of React and GraphiQL: no CDN. Each request carries the token typed
// into the bar above (kept in sessionStorage, for this tab only).
(function () {
  "use strict";
  var KEY = "hub.graphiql.token";
  var input = document.getElementById("token");
  input.value = sessionStorage.getItem(KEY) || "";

  function fetcher(params) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var token = sessionStorage.getItem(KEY);
    if (token) headers.Authorization = "Bearer " + token;
    return fetch("/graphql", { method: "POST", headers: headers, body: JSON.stringify(params) }).then(function (r) {
      return r.json();
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    // A new key when the token changes: GraphiQL fetches the schema again, as the new client sees it.
    root.render(React.createElement(GraphiQL, { fetcher: fetcher, key: sessionStorage.getItem(KEY) || "none" }));
  }
  document.getElementById("token-bar").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    render();
  });
  render();
})();
