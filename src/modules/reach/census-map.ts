/**
 * How the GSS monitoring answers residents give map onto the Census 2021 categories the ward's reference figures
 * use, one explicit line per category. Census categories left out (religion "Not answered") have no monitoring
 * answer, so they are left out of the residents' share too; "prefer not to say" and no answer are left out of the
 * participants' share. Gender identity, sexual orientation and carers have no LSOA table loaded, so no comparison.
 */
export interface CensusMapping {
  /** The engagement equality field. */
  field: 'age_band' | 'sex' | 'ethnic_group' | 'religion' | 'disability'
  /** The geography figure characteristic. */
  characteristic: string
  categories: { code: string; census: string }[]
}

export const CENSUS_MAP: CensusMapping[] = [
  {
    field: 'age_band',
    characteristic: 'age',
    categories: [
      { code: '0-15', census: 'Aged 15 years and under' },
      { code: '16-24', census: 'Aged 16 to 24 years' },
      { code: '25-34', census: 'Aged 25 to 34 years' },
      { code: '35-49', census: 'Aged 35 to 49 years' },
      { code: '50-64', census: 'Aged 50 to 64 years' },
      { code: '65+', census: 'Aged 65 years and over' },
    ],
  },
  {
    field: 'sex',
    characteristic: 'sex',
    categories: [
      { code: 'female', census: 'Female' },
      { code: 'male', census: 'Male' },
    ],
  },
  {
    field: 'ethnic_group',
    characteristic: 'ethnic_group',
    categories: [
      { code: 'asian', census: 'Asian, Asian British or Asian Welsh' },
      { code: 'black', census: 'Black, Black British, Black Welsh, Caribbean or African' },
      { code: 'mixed', census: 'Mixed or Multiple ethnic groups' },
      { code: 'white', census: 'White' },
      { code: 'other', census: 'Other ethnic group' },
    ],
  },
  {
    field: 'religion',
    characteristic: 'religion',
    categories: [
      { code: 'none', census: 'No religion' },
      { code: 'christian', census: 'Christian' },
      { code: 'buddhist', census: 'Buddhist' },
      { code: 'hindu', census: 'Hindu' },
      { code: 'jewish', census: 'Jewish' },
      { code: 'muslim', census: 'Muslim' },
      { code: 'sikh', census: 'Sikh' },
      { code: 'other', census: 'Other religion' },
    ],
  },
  {
    field: 'disability',
    characteristic: 'disability',
    categories: [
      { code: 'yes', census: 'Disabled under the Equality Act' },
      { code: 'no', census: 'Not disabled under the Equality Act' },
    ],
  },
]
