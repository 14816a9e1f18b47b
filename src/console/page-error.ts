// A failure the console explains to the person in plain words (rendered as a page, never a stack trace).
export class PageError extends Error {
  override name = 'PageError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly explanation: string,
  ) {
    super(title);
  }
}

export const forbidden = () =>
  new PageError(
    403,
    'Not allowed',
    'Your role does not allow this. Ask an owner of your team if you need it.',
  );

export const csrfRejected = () =>
  new PageError(
    403,
    'This form has expired',
    'For your protection, the form could not be accepted: it was not sent from this console session. ' +
      'Go back, reload the page and try again.',
  );

export const notFound = () =>
  new PageError(404, 'Not found', 'There is nothing here. Check the address or use the menu.');

export const badForm = (explanation: string) => new PageError(400, 'Please check the form', explanation);

export const temporarilyUnavailable = () =>
  new PageError(
    503,
    'Temporarily unavailable',
    'Nothing was changed. This cannot be done right now; please try again in a moment.',
  );
