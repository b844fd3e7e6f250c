// The API reference: the vendored Redoc renders the service's own openapi.yaml.
const root = document.getElementById("redoc");
window.Redoc.init(
  root.dataset.specUrl,
  {
    hideDownloadButton: false,
    scrollYOffset: ".topbar",
    theme: {
      typography: {
        fontFamily: "system-ui, sans-serif",
        headings: { fontFamily: "system-ui, sans-serif" },
      },
    },
  },
  root,
);
