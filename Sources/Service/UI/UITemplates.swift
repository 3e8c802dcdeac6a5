import Mustache

/// The curators' pages as mustache templates, compiled into the binary (no files to ship, no
/// CDN, no build step). `{{ }}` escapes HTML (`< > & " '`): every value shown comes from the
/// store (dataset and file names are hostile input), so no template uses `{{{ }}}`. No inline
/// script or style: the Content-Security-Policy allows only /ui/app.js and /ui/app.css.
enum UITemplates {
    static let library: MustacheLibrary = {
        var templates = [String: MustacheTemplate]()
        for (name, text) in [("layout-top", layoutTop), ("layout-bottom", layoutBottom), ("datasets", datasets),
                             ("pairs", pairs), ("search", search), ("login", login)] {
            // The templates are constants of this file, checked by the tests: a parse failure is a bug here.
            guard let template = try? MustacheTemplate(string: text) else { preconditionFailure("UI template \(name) does not parse") }
            templates[name] = template
        }
        return MustacheLibrary(templates: templates)
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let layoutTop = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · crosshash</title>
    <link rel="stylesheet" href="/ui/app.css">
    <script src="/ui/app.js" defer></script>
    </head>
    <body data-page="{{page}}">
    <header>
    <nav aria-label="pages">
    <a href="/ui/"{{#onDatasets}} aria-current="page"{{/onDatasets}}>Datasets</a>
    <a href="/ui/pairs"{{#onPairs}} aria-current="page"{{/onPairs}}>Pairs</a>
    <a href="/ui/search"{{#onSearch}} aria-current="page"{{/onSearch}}>Search</a>
    {{#loggedIn}}<form method="post" action="/ui/logout" class="logout"><button type="submit">Log out</button></form>{{/loggedIn}}
    </nav>
    </header>
    <main>
    <h1>{{title}}</h1>

    """

    static let layoutBottom = """
    </main>
    </body>
    </html>

    """

    static let datasets = """
    {{> layout-top}}
    {{^hasDatasets}}<p>No datasets yet: add one with <code>PUT /v1/datasets/NAME</code> and scan it.</p>{{/hasDatasets}}
    {{#hasDatasets}}
    <table class="datasets">
    <thead><tr><th scope="col">Dataset</th><th scope="col">Images</th><th scope="col">Errors</th><th scope="col">Root</th><th scope="col">Last scan</th><th scope="col">Scan</th></tr></thead>
    <tbody>
    {{#datasets}}
    <tr>
    <th scope="row">{{name}}</th><td>{{images}}</td><td>{{errors}}</td><td class="path">{{root}}</td>
    <td class="last-scan">{{lastScan}}</td>
    <td>{{#scannable}}<button type="button" class="scan" data-dataset="{{name}}">Scan {{name}}</button> <output class="progress" aria-live="polite"></output>{{/scannable}}</td>
    </tr>
    {{/datasets}}
    </tbody>
    </table>
    {{/hasDatasets}}
    <h2>See the pairs</h2>
    <form method="get" action="/ui/pairs" class="pick">
    <label>Datasets (comma-separated) <input name="datasets" value="{{allNames}}"></label>
    <label>Family <select name="family">{{#families}}<option value="{{.}}">{{.}}</option>{{/families}}</select></label>
    <button type="submit">Show pairs</button>
    </form>
    {{> layout-bottom}}
    """

    static let pairs = """
    {{> layout-top}}
    <form method="get" action="/ui/pairs" class="filters">
    <label>Datasets <input name="datasets" value="{{datasetsText}}"></label>
    <label>Family <select name="family">{{#families}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/families}}</select></label>
    <label>Show <select name="filter">{{#filters}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/filters}}</select></label>
    <button type="submit">Apply</button>
    </form>
    <p class="summary">{{total}} pairs{{#pageCount}}, page {{pageNumber}} of {{pageCount}}{{/pageCount}}, sorted by {{family}} distance.
    Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>s</kbd> same, <kbd>d</kbd> different, <kbd>u</kbd> unsure, <kbd>z</kbd> undo.</p>
    {{#note}}<p class="note">{{note}}</p>{{/note}}
    <p class="status" role="status" aria-live="polite"></p>
    <ol class="pairs" start="{{firstNumber}}">
    {{#pairs}}
    <li class="pair" tabindex="0" data-a="{{aJSON}}" data-b="{{bJSON}}" data-decision="{{decision}}">
    <figure>{{#aHasPicture}}<img src="{{aThumb}}" alt="{{aDataset}}: {{aFile}}" width="256" height="256">{{/aHasPicture}}{{^aHasPicture}}<div class="no-picture" role="img" aria-label="{{aDataset}}: {{aFile}} (no picture on this server)">no picture on this server</div>{{/aHasPicture}}<figcaption><b>{{aDataset}}</b> {{aFile}}</figcaption></figure>
    <figure>{{#bHasPicture}}<img src="{{bThumb}}" alt="{{bDataset}}: {{bFile}}" width="256" height="256">{{/bHasPicture}}{{^bHasPicture}}<div class="no-picture" role="img" aria-label="{{bDataset}}: {{bFile}} (no picture on this server)">no picture on this server</div>{{/bHasPicture}}<figcaption><b>{{bDataset}}</b> {{bFile}}</figcaption></figure>
    <dl>
    <dt>{{family}}</dt><dd>{{distance}}</dd>
    <dt>{{otherFamily}}</dt><dd>{{otherDistance}}</dd>
    <dt>Verdict</dt><dd class="verdict">{{verdict}}</dd>
    <dt>Review</dt><dd class="review">{{decisionShown}}</dd>
    </dl>
    <div class="actions"><button type="button" data-decision="same">Same</button><button type="button" data-decision="different">Different</button><button type="button" data-decision="unsure">Unsure</button></div>
    </li>
    {{/pairs}}
    </ol>
    <nav class="pages" aria-label="pages of pairs">
    {{#previous}}<a rel="prev" href="{{previous}}">Previous page</a>{{/previous}}
    {{#next}}<a rel="next" href="{{next}}">Next page</a>{{/next}}
    </nav>
    {{> layout-bottom}}
    """

    static let search = """
    {{> layout-top}}
    <p>Choose or drop a picture: the stored pictures within the thresholds are listed with their distances.</p>
    <div class="drop" tabindex="0" role="region" aria-label="drop a picture here">
    <label>Picture <input type="file" id="picture" accept="image/*"></label>
    <p>or drop it here</p>
    </div>
    <form class="hash-search">
    <label>Or paste a hash <input name="hash" id="hash" spellcheck="false" autocomplete="off"></label>
    <label>Family <select name="family" id="hash-family">{{#families}}<option value="{{.}}">{{.}}</option>{{/families}}</select></label>
    <button type="submit">Search</button>
    </form>
    <p class="status" role="status" aria-live="polite"></p>
    <ol class="matches"></ol>
    {{> layout-bottom}}
    """

    static let login = """
    {{> layout-top}}
    {{#failed}}<p class="note" role="alert">That key is not valid for this server.</p>{{/failed}}
    <form method="post" action="/ui/login" class="login">
    <label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
    <button type="submit">Log in</button>
    </form>
    {{> layout-bottom}}
    """
}
