"""What entragit needs from GitHub to hold its promises on every GitHub plan (docs/setup.md, issue 13).

    github.py      the REST API through the `gh` CLI (preinstalled on GitHub-hosted runners; `gh auth login` on a
                   workstation): GET, pagination, raw downloads, one error type
    subjects.py    the OIDC subject each job presents to Entra, read from the repository's settings
                   (`entragit doctor`)
    approval.py    a merged pull request's approval: by a listed person who wrote none of it, on its final head
    provenance.py  the published plan: an artifact of a run of entragit's own publisher workflow, its definition
                   checked through the API and git
    gate.py        both, bound to the merge commit being applied (`entragit check-merge`)
    fit.py         GitHub's size limits: comments and bodies (65,536 characters), titles (256), job summaries
    lock.py        the hash-locked requirements file the workflows install from (`entragit lock`)

The package sits with the core (it imports backups, settings, errors; never the emulator).
"""
