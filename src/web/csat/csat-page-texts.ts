import type { CustomerLanguage } from '../../core/automation/language.js';

/** The public rating page, in the customer's language. */
export const CSAT_PAGE: Record<CustomerLanguage, Record<string, string>> = {
  pt: {
    title: 'Avalie o nosso atendimento',
    question: 'Como avalia o atendimento do pedido #{n}?',
    poor: 'Mau',
    excellent: 'Excelente',
    comment: 'Comentário (opcional)',
    send: 'Enviar avaliação',
    thanks: 'Obrigado! A sua avaliação foi registada.',
    current: 'A sua avaliação: {r} de 5. Pode alterá-la até {d}.',
    notFound: 'Este link de avaliação não é válido.',
    expired: 'Este link de avaliação expirou.',
    invalid: 'Escolha uma nota de 1 a 5.',
  },
  es: {
    title: 'Valore nuestra atención',
    question: '¿Cómo valora la atención de la solicitud #{n}?',
    poor: 'Malo',
    excellent: 'Excelente',
    comment: 'Comentario (opcional)',
    send: 'Enviar valoración',
    thanks: '¡Gracias! Su valoración fue registrada.',
    current: 'Su valoración: {r} de 5. Puede cambiarla hasta el {d}.',
    notFound: 'Este enlace de valoración no es válido.',
    expired: 'Este enlace de valoración ha caducado.',
    invalid: 'Elija una nota del 1 al 5.',
  },
  en: {
    title: 'Rate our help',
    question: 'How would you rate our help with request #{n}?',
    poor: 'Poor',
    excellent: 'Excellent',
    comment: 'Comment (optional)',
    send: 'Send rating',
    thanks: 'Thank you! Your rating was recorded.',
    current: 'Your rating: {r} of 5. You can change it until {d}.',
    notFound: 'This rating link is not valid.',
    expired: 'This rating link has expired.',
    invalid: 'Choose a rating from 1 to 5.',
  },
};
