/* Draw the deliverable page's task graph with Cytoscape.js and the dagre layout, left to right.

   The graph comes from the page (json_script), the colours from the legend's status swatches, so
   the palette lives in one stylesheet (deliverable-page.css). Once the graph is on screen the
   container carries data-rendered="true" and the counts drawn, which the browser check waits for. */
"use strict";

(function () {
  const container = document.getElementById("deliverable-graph");
  if (!container) {
    return;
  }
  const graph = JSON.parse(document.getElementById(container.dataset.graphSource).textContent);
  const focus = document.getElementById(container.dataset.focus);
  const hint = focus.textContent;

  function statusColours() {
    const colours = {};
    for (const swatch of document.querySelectorAll("[data-status-swatch]")) {
      const look = getComputedStyle(swatch);
      colours[swatch.dataset.statusSwatch] = {
        fill: look.backgroundColor,
        line: look.borderTopColor,
        lineStyle: look.borderTopStyle,
      };
    }
    return colours;
  }

  function elements() {
    const nodes = graph.nodes.map((task) => ({
      group: "nodes",
      data: { ...task, id: `task-${task.id}` },
      classes: task.critical ? ["critical"] : [],
    }));
    const edges = graph.edges.map((edge) => ({
      group: "edges",
      data: {
        id: `edge-${edge.source}-${edge.target}`,
        source: `task-${edge.source}`,
        target: `task-${edge.target}`,
      },
      classes: edge.critical ? ["critical"] : [],
    }));
    return nodes.concat(edges);
  }

  function stylesheet() {
    const critical = getComputedStyle(document.querySelector("[data-critical-swatch]"));
    const quiet = getComputedStyle(focus).color;
    const rules = [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          width: 132,
          height: 46,
          label: "data(title)",
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "wrap",
          "text-max-width": 120,
          "font-family": getComputedStyle(document.body).fontFamily,
          "font-size": 13,
          color: "#1f2933",
          "border-width": 2,
        },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "curve-style": "taxi",
          "taxi-direction": "rightward",
          "line-color": quiet,
          "target-arrow-color": quiet,
          "target-arrow-shape": "triangle",
        },
      },
    ];
    for (const [status, colour] of Object.entries(statusColours())) {
      rules.push({
        selector: `node[status = "${status}"]`,
        style: {
          "background-color": colour.fill,
          "border-color": colour.line,
          "border-style": colour.lineStyle,
        },
      });
    }
    rules.push(
      {
        selector: "node.critical",
        style: { "border-color": critical.borderTopColor, "border-width": 4, "font-weight": 600 },
      },
      {
        selector: "edge.critical",
        style: {
          width: 3,
          "line-color": critical.borderTopColor,
          "target-arrow-color": critical.borderTopColor,
        },
      },
    );
    return rules;
  }

  function describe(task) {
    const parts = [`${task.title} (${task.key}): ${task.status_label}`];
    parts.push(task.assignee ? `assigned to ${task.assignee}` : "unassigned");
    if (task.slack !== null) {
      parts.push(task.critical ? "on the critical path" : `slack ${task.slack}`);
    }
    return `${parts.join("; ")}.`;
  }

  // As tall as the laid-out graph needs at the width it has (within bounds, and never shorter
  // than the legend beside it), so a wide, shallow graph is not drawn small in an empty box.
  function fitHeight(cy) {
    const padding = 24;
    const box = cy.elements().boundingBox();
    const zoom = Math.min(cy.maxZoom(), (container.clientWidth - 2 * padding) / box.w);
    const height = Math.min(Math.round(box.h * zoom + 2 * padding), 560);
    container.style.minHeight = `${height}px`;
    cy.resize();
    cy.fit(cy.elements(), padding);
  }

  function markRendered(cy) {
    container.dataset.nodes = cy.nodes().length;
    container.dataset.edges = cy.edges().length;
    container.dataset.criticalNodes = cy.nodes(".critical").length;
    container.dataset.rendered = "true";
  }

  const cy = cytoscape({
    container,
    elements: elements(),
    style: stylesheet(),
    layout: { name: "dagre", rankDir: "LR", nodeSep: 16, rankSep: 44, padding: 24 },
    minZoom: 0.1,
    maxZoom: 1.5,
    boxSelectionEnabled: false,
    autoungrabify: true,
    autounselectify: true,
  });
  // The graph's handle for the browser check and for anyone at the console.
  container.cytoscape = cy;
  cy.on("mouseover", "node", (event) => {
    focus.textContent = describe(event.target.data());
    container.classList.add("deliverable-graph-pointing");
  });
  cy.on("mouseout", "node", () => {
    focus.textContent = hint;
    container.classList.remove("deliverable-graph-pointing");
  });
  cy.on("tap", "node", (event) => window.location.assign(event.target.data("url")));
  cy.ready(() => {
    fitHeight(cy);
    cy.one("render", () => markRendered(cy));
  });
})();
