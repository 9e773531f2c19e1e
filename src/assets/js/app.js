// Progressive enhancement only: every page works without this file.
import { initAll } from '/govuk/govuk-frontend.min.js'

initAll()

// GOV.UK timeout warning: warn two minutes before the idle timeout and let the person stay signed in.
const dialog = document.getElementById('timeout-dialog')
if (dialog && typeof dialog.showModal === 'function') {
  const idleMs = Number(dialog.dataset.idleMs)
  const warnMs = Math.max(idleMs - 2 * 60 * 1000, 10 * 1000)
  let warnTimer
  let signOutTimer
  const schedule = () => {
    clearTimeout(warnTimer)
    clearTimeout(signOutTimer)
    warnTimer = setTimeout(() => {
      dialog.showModal()
      dialog.querySelector('[data-timeout-action="stay"]').focus()
    }, warnMs)
    signOutTimer = setTimeout(() => {
      window.location.href = '/sign-in?timedOut=1'
    }, idleMs)
  }
  dialog.querySelector('[data-timeout-action="stay"]').addEventListener('click', async () => {
    const res = await fetch('/session/keep-alive', {
      method: 'POST',
      headers: { 'x-csrf-token': dialog.dataset.csrf },
      credentials: 'same-origin',
    })
    dialog.close()
    if (res.ok) schedule()
    else window.location.href = '/sign-in?timedOut=1'
  })
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault()
  })
  schedule()
}
