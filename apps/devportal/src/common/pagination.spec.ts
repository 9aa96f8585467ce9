import { describe, expect, it } from '@jest/globals';
import { paginate } from './pagination.dto.js';

describe('paginate', () => {
  it('links the next and previous pages, and leaves them empty at the ends', () => {
    expect(paginate('/applications', { limit: 2, offset: 0 }, 5)).toEqual({
      offset: 0,
      limit: 2,
      total: 5,
      next: '/applications?limit=2&offset=2',
      previous: '',
    });
    expect(paginate('/applications', { limit: 2, offset: 4 }, 5)).toMatchObject({ next: '', previous: '/applications?limit=2&offset=2' });
    expect(paginate('/applications', { limit: 25, offset: 1 }, 5)).toMatchObject({ next: '', previous: '/applications?limit=25&offset=0' });
  });
});
