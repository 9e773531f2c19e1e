import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { copyConsultationTemplate } from '../engagement/index.js'
import { copyPanelQuotasTemplate } from '../panel/index.js'
import { copyCodingFrameTemplate } from '../understanding/index.js'

export interface TemplateCopyResult {
  themesAdded: number
  consultationId: number | null
  questions: number
  frameThemesAdded: number
  frameThemesKept: number
  panelQuotasCopied: boolean
  panelQuotas: number
}

/**
 * Copies one ward's programme design into another, each module copying its own tables: themes and a consultation
 * (engagement), the coding frame (understanding, linked to the new ward's own themes) and panel quotas (panel). Runs
 * in the caller's transaction so a failure copies nothing. No resident's data is ever read here.
 */
export async function copyProgrammeTemplate(
  trx: Kysely<Database>,
  fromWardId: number,
  toWardId: number,
): Promise<TemplateCopyResult> {
  const engagement = await copyConsultationTemplate(trx, fromWardId, toWardId)
  const frame = await copyCodingFrameTemplate(trx, fromWardId, toWardId, engagement.themeMap)
  const panel = await copyPanelQuotasTemplate(trx, fromWardId, toWardId)
  return {
    themesAdded: engagement.themesAdded,
    consultationId: engagement.consultationId,
    questions: engagement.questions,
    frameThemesAdded: frame.themesAdded,
    frameThemesKept: frame.themesKept,
    panelQuotasCopied: panel.copied,
    panelQuotas: panel.quotas,
  }
}
